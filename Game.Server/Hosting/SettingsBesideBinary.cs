using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Game.Server.Hosting;

public static class SettingsBesideBinary
{
    /// <summary>
    /// Reads the <c>appsettings.json</c> shipped beside Game.Server.dll, below every other source, when the content
    /// root (the working folder) has none. Started as <c>dotnet path/to/Game.Server.dll</c> from another folder, the
    /// server would otherwise run on code defaults without a word: Lambda's BatchSize of 100 for the score mapping
    /// instead of its 1000, which caps scoring far below a full hall's rate (docs/performance.md).
    /// </summary>
    public static IHostApplicationBuilder AddSettingsBesideBinary(this IHostApplicationBuilder builder)
    {
        const string file = "appsettings.json";
        if (!File.Exists(Path.Combine(builder.Environment.ContentRootPath, file)) && File.Exists(Path.Combine(AppContext.BaseDirectory, file)))
        {
            builder.Configuration.Sources.Insert(0, new JsonConfigurationSource
            {
                Path = file,
                FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
                Optional = false,
            });
        }

        return builder;
    }
}
