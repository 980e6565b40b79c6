namespace Game.Server.Realtime;

/// <summary>The player a phone connection belongs to, checked once from its token before the hub sees it.</summary>
public sealed record PhonePlayer(string GameId, string PlayerId);

/// <summary>
/// Checks the player token of every request to the phone hub (negotiate, the WebSocket upgrade, long polls) before
/// SignalR sees it. A refused request costs one HMAC, answers 401 problem+json and logs one line, where a hub that
/// threw in <c>OnConnectedAsync</c> logged a seven-line stack trace for each (4.5 MB for 6,579 refusals).
/// </summary>
public static partial class PhoneConnections
{
    private static readonly object PlayerKey = new();

    /// <summary>The player the token of this connection's request named; null when none was checked.</summary>
    public static PhonePlayer? PlayerOf(HttpContext? context) =>
        context?.Items.TryGetValue(PlayerKey, out var player) == true ? player as PhonePlayer : null;

    /// <summary>Runs the token check in front of every endpoint of a hub.</summary>
    public static TBuilder RequirePlayerToken<TBuilder>(this TBuilder hub)
        where TBuilder : IEndpointConventionBuilder
    {
        hub.Add(endpoint =>
        {
            var next = endpoint.RequestDelegate ?? throw new InvalidOperationException($"{endpoint.DisplayName} has no request delegate.");
            endpoint.RequestDelegate = context => CheckAsync(context, next);
        });
        return hub;
    }

    private static Task CheckAsync(HttpContext context, RequestDelegate next)
    {
        var token = PlayerTokens.FromRequest(context.Request);
        var tokens = context.RequestServices.GetRequiredService<PlayerTokens>();
        if (tokens.TryValidate(token, out var gameId, out var playerId))
        {
            context.Items[PlayerKey] = new PhonePlayer(gameId, playerId);
            return next(context);
        }

        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PhoneConnections).FullName!);
        LogRefused(logger, context.Connection.RemoteIpAddress?.ToString() ?? "in-process", string.IsNullOrEmpty(token) ? "no player token" : "a player token that does not verify");
        return Results.Problem(
            detail: "A valid player token is required: join the game first.",
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a phone connection from {RemoteAddress}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string remoteAddress, string reason);
}
