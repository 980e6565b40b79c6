namespace Game.Server.Auth;

public static partial class PresenterKeyExtensions
{
    /// <summary>The presenter key that presenter actions need (<see cref="PresenterKey.Required"/>).</summary>
    public static IHostApplicationBuilder AddPresenterKey(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PresenterKey>();
        return builder;
    }

    /// <summary>
    /// Says where to point the projector once the server listens. The key is part of the URL only when this start
    /// generated it: a configured key, or one an earlier start generated, is a secret the operator already has, and
    /// logs are read (and shipped) by more people than the operator.
    /// </summary>
    public static void AnnouncePresenterUrl(this WebApplication app) =>
        app.Lifetime.ApplicationStarted.Register(() => Announce(
            app.Services.GetRequiredService<PresenterKey>(),
            app.Urls,
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Game.Server")));

    /// <summary>Logs one line per URL the server listens on (see <see cref="AnnouncePresenterUrl"/>).</summary>
    internal static void Announce(PresenterKey key, IEnumerable<string> urls, ILogger logger)
    {
        foreach (var url in urls)
        {
            if (key.Generated)
            {
                LogPresenterUrlWithNewKey(logger, $"{url}/?key={key.Value}");
            }
            else
            {
                LogPresenterUrl(logger, $"{url}/?key=…", key.KeyFile ?? "Game:PresenterKey");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presenter display: {Url} (a new presenter key: it is shown this once, and kept in the data directory)")]
    private static partial void LogPresenterUrlWithNewKey(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presenter display: {Url} with the presenter key from {KeySource}")]
    private static partial void LogPresenterUrl(ILogger logger, string url, string keySource);
}
