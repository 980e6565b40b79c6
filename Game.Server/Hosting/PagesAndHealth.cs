using Game.Server.Games;

namespace Game.Server.Hosting;

public static partial class PagesAndHealth
{
    /// <summary>Game.Web's pages: the presenter display at <c>/</c>, the phone controller at <c>/play</c>.</summary>
    public static IEndpointRouteBuilder MapPages(this WebApplication app)
    {
        app.UseStaticFiles();
        app.MapGet("/", (IWebHostEnvironment env) => Page(env, "presenter/index.html"));
        app.MapGet("/play", (IWebHostEnvironment env) => Page(env, "play/index.html"));
        app.MapGet("/health", () => Results.Ok(new { status = "ok" }));
        return app;
    }

    /// <summary>Prints where to point the projector, with the presenter key when this start generated it.</summary>
    public static void AnnouncePresenterUrl(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var key = app.Services.GetRequiredService<PresenterKey>();
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Game.Server");
            foreach (var url in app.Urls)
            {
                LogPresenterUrl(logger, $"{url}/?key={key.Value}");
            }
        });
    }

    private static IResult Page(IWebHostEnvironment env, string path)
    {
        var file = env.WebRootFileProvider.GetFileInfo(path);
        return file.Exists ? Results.Stream(file.CreateReadStream(), "text/html; charset=utf-8") : Results.NotFound();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presenter display: {Url}")]
    private static partial void LogPresenterUrl(ILogger logger, string url);
}
