using Game.Server.Ingest;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Game.Server.Auth;

public static partial class PresenterKeyExtensions
{
    /// <summary>
    /// The keys: the presenter key that presenter actions need (<see cref="PresenterKey.Required"/>), the SigV4 key
    /// pairs and what each may do (<see cref="AccessKeys"/>, <c>Auth:Keys</c>), and, once the server listens, the
    /// presenter URL and a warning when the published development key pair is reachable from a network
    /// (<see cref="DevelopmentKeys"/>). SigV4 verifiers are registered by the APIs that use them.
    /// </summary>
    public static IHostApplicationBuilder AddAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PresenterKey>();
        builder.Services.AddAccessKeys();
        builder.Services.AddHostedService<StartAnnouncements>();
        return builder;
    }

    /// <summary>Says, once the server listens, where the presenter display is and whether the development keys are exposed.</summary>
    private sealed class StartAnnouncements(
        IHostApplicationLifetime lifetime,
        IServer server,
        PresenterKey key,
        IOptions<IngestOptions> ingest,
        ILoggerFactory loggers) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() =>
            {
                var urls = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
                var logger = loggers.CreateLogger("Game.Server");
                Announce(key, urls, logger);
                DevelopmentKeys.Warn(urls, ingest.Value, logger);
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// Logs where to point the projector, one line per URL the server listens on. The key is part of the URL only
    /// when this start generated it: a configured key, or one an earlier start generated, is a secret the operator
    /// already has, and logs are read (and shipped) by more people than the operator.
    /// </summary>
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
