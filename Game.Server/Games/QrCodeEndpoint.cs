using Game.Functions.Contracts;
using Game.Server.Hosting;
using QRCoder;

namespace Game.Server.Games;

/// <summary>The join QR code the presenter display projects: <c>GET /api/games/{gameId}/qr.svg</c>.</summary>
public static class QrCodeEndpoint
{
    /// <summary>Pixels per module in the SVG's view box; the page scales the image, so this only sets the coordinate grid.</summary>
    private const int ModuleSize = 10;

    public static IEndpointRouteBuilder MapJoinQrCode(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/games/{gameId}/qr.svg", RenderAsync).RequireRateLimiting(ClientRateLimits.Reads);
        return app;
    }

    private static async Task<IResult> RenderAsync(string gameId, HttpRequest http, IGrainFactory grains)
    {
        if (await grains.GetGrain<IGameGrain>(gameId.ToUpperInvariant()).Get() is not { } game)
        {
            return Results.Problem(detail: $"No game has the code '{gameId}'.", statusCode: StatusCodes.Status404NotFound);
        }

        // The same join URL the create call answers and the display prints (JoinLink: never localhost when avoidable).
        var joinUrl = JoinLink.PlayUrl(JoinLink.For(http), game.GameId);
        using var generator = new QRCodeGenerator();
        // Level M survives a smudged projector or a glare spot (15 %) and keeps the code coarse enough to scan from far away.
        using var data = generator.CreateQrCode(joinUrl, QRCodeGenerator.ECCLevel.M);
        using var svg = new SvgQRCode(data);
        return Results.Text(
            svg.GetGraphic(ModuleSize, "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute),
            "image/svg+xml; charset=utf-8");
    }
}
