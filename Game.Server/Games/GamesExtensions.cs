using Game.Functions.Games;

namespace Game.Server.Games;

/// <summary>The games feature: its options (rounds, frame rate, player cap), its HTTP APIs, and the join URL it logs at start.</summary>
public static class GamesExtensions
{
    public static IHostApplicationBuilder AddGames(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GameOptions>()
            .Bind(builder.Configuration.GetSection(GameOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHostedService<JoinLink.StartAnnouncement>();
        return builder;
    }

    /// <summary>Games and players, their history and results, and the join link and its QR code.</summary>
    public static IEndpointRouteBuilder MapGames(this IEndpointRouteBuilder app)
    {
        app.MapGameApi();
        app.MapGameHistoryApi();
        app.MapJoinLink();
        app.MapJoinQrCode();
        return app;
    }
}
