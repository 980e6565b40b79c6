using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Game.Functions.Contracts;
using Game.Server.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Game.Server.Games;

/// <summary>
/// The address phones join by, shown on the display and encoded in its QR code. A phone cannot open
/// <c>localhost</c>: the link is <c>Game:PublicUrl</c> when set; else the address the display reached the server by,
/// unless that is loopback; else an address of this machine the server listens on (a wildcard binding such as
/// <c>http://0.0.0.0:5000</c> listens on every interface, so each non-loopback interface address counts). Only when
/// none exists is the link loopback, and the display says how to fix it (<see cref="JoinBase.Reachable"/> false).
/// </summary>
public static partial class JoinLink
{
    /// <summary>The configuration key of the public URL (a reverse proxy's, a tunnel's, a DNS name's).</summary>
    public const string PublicUrlSetting = "Game:PublicUrl";

    /// <summary>Where phones join: the base URL (scheme, host, port; no trailing slash), and whether a phone can reach it.</summary>
    public sealed record JoinBase(string BaseUrl, bool Reachable);

    /// <summary>The display's answer for a game (<c>GET /api/games/{gameId}/join-link</c>).</summary>
    public sealed record JoinLinkResponse(string GameId, string JoinUrl, string ShownUrl, bool Reachable);

    public static IEndpointRouteBuilder MapJoinLink(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/games/{gameId}/join-link", async (string gameId, HttpRequest http, IGrainFactory grains) =>
        {
            if (await grains.GetGrain<IGameGrain>(gameId.ToUpperInvariant()).Get() is not { } game)
            {
                return Results.Problem(detail: $"No game has the code '{gameId}'.", statusCode: StatusCodes.Status404NotFound);
            }

            var join = For(http);
            return Results.Ok(new JoinLinkResponse(game.GameId, PlayUrl(join, game.GameId), ShownUrl(join), join.Reachable));
        }).RequireRateLimiting(ClientRateLimits.Reads);
        return app;
    }

    /// <summary>The phone page of one game under a base.</summary>
    public static string PlayUrl(JoinBase join, string gameId) => $"{join.BaseUrl}/play?game={gameId}";

    /// <summary>What the display prints under the QR code: the base without its scheme, then <c>/play</c>.</summary>
    public static string ShownUrl(JoinBase join)
    {
        var uri = new Uri(join.BaseUrl);
        return uri.Authority + uri.AbsolutePath.TrimEnd('/') + "/play";
    }

    /// <summary>The join base for a request, from the configuration, the request, the server's bindings and this machine's interfaces.</summary>
    public static JoinBase For(HttpRequest http)
    {
        var services = http.HttpContext.RequestServices;
        return Choose(
            services.GetRequiredService<IConfiguration>()[PublicUrlSetting],
            $"{http.Scheme}://{http.Host}",
            BoundAddresses(services.GetRequiredService<IServer>()),
            InterfaceAddresses());
    }

    /// <summary>
    /// The rule, apart from the machine: <paramref name="publicUrl"/> first; then <paramref name="requestBase"/> unless
    /// loopback; then the first non-loopback address among <paramref name="boundAddresses"/> (a wildcard host expanded
    /// to <paramref name="interfaceAddresses"/>, IPv4 first); else <paramref name="requestBase"/>, unreachable.
    /// </summary>
    public static JoinBase Choose(string? publicUrl, string requestBase, IEnumerable<string> boundAddresses, IEnumerable<IPAddress> interfaceAddresses)
    {
        if (!string.IsNullOrWhiteSpace(publicUrl))
        {
            return new JoinBase(publicUrl.Trim().TrimEnd('/'), Reachable: true);
        }

        if (Uri.TryCreate(requestBase, UriKind.Absolute, out var request) && !IsLoopback(request.Host))
        {
            return new JoinBase(requestBase.TrimEnd('/'), Reachable: true);
        }

        var machine = interfaceAddresses
            .Where(a => !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal && a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            .OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
            .ToList();
        foreach (var bound in boundAddresses)
        {
            // Kestrel writes a wildcard binding as 0.0.0.0, [::], + or *; the last two do not parse as a URI.
            var parsed = bound.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(parsed, UriKind.Absolute, out var uri))
            {
                continue;
            }

            if (uri.Host is "0.0.0.0" or "[::]")
            {
                if (machine.FirstOrDefault() is { } address)
                {
                    var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
                    return new JoinBase($"{uri.Scheme}://{host}:{uri.Port}", Reachable: true);
                }
            }
            else if (!IsLoopback(uri.Host))
            {
                return new JoinBase($"{uri.Scheme}://{uri.Authority}", Reachable: true);
            }
        }

        return new JoinBase(requestBase.TrimEnd('/'), Reachable: false);
    }

    /// <summary>Logs the join URLs once the server listens, or how to get one when phones could not reach any.</summary>
    internal sealed class StartAnnouncement(IHostApplicationLifetime lifetime, IServer server, IConfiguration configuration, ILoggerFactory loggers) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() =>
            {
                var logger = loggers.CreateLogger("Game.Server");
                var bound = BoundAddresses(server).ToList();
                var join = Choose(configuration[PublicUrlSetting], bound.FirstOrDefault() ?? "http://localhost", bound, InterfaceAddresses());
                if (join.Reachable)
                {
                    LogJoinUrl(logger, $"{join.BaseUrl}/play");
                }
                else
                {
                    LogNoReachableJoinUrl(logger, $"{join.BaseUrl}/play");
                }
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static IEnumerable<string> BoundAddresses(IServer server) =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];

    private static IEnumerable<IPAddress> InterfaceAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(u => u.Address))
                .ToList();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    [LoggerMessage(Level = LogLevel.Information, Message = "Phones join at {Url} (the display's QR code points there)")]
    private static partial void LogJoinUrl(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Phones cannot open {Url}: listen on the network (--urls http://0.0.0.0:5000) or set Game:PublicUrl to an address phones reach")]
    private static partial void LogNoReachableJoinUrl(ILogger logger, string url);
}
