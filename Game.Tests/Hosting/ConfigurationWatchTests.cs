using Game.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Hosting;

/// <summary>
/// The server reads its settings files once. Watching them for changes watches the working folder, the default data
/// folder inside it included, so every SQLite write woke a file watcher: 10-12 % of the server's CPU under load
/// (docs/performance.md, issue 19 round two). Found by profiling, kept from coming back here.
/// </summary>
public sealed class ConfigurationWatchTests
{
    [Fact]
    public async Task Server_SettingsFiles_AreNotWatchedForChanges()
    {
        await using var server = new InProcessServer(new Dictionary<string, string?>(), []);
        var configuration = (IConfigurationRoot)server.Services.GetRequiredService<IConfiguration>();

        var jsonFiles = configuration.Providers.OfType<JsonConfigurationProvider>().Select(p => p.Source).ToList();

        Assert.Contains(jsonFiles, source => source.Path == "appsettings.json");
        Assert.All(jsonFiles, source => Assert.False(source.ReloadOnChange, $"{source.Path} is watched for changes"));
    }
}
