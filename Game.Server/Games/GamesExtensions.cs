using Game.Functions.Games;

namespace Game.Server.Games;

/// <summary>The games feature: its options (rounds, frame rate, player cap) and its HTTP APIs.</summary>
public static class GamesExtensions
{
    public static IHostApplicationBuilder AddGames(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GameOptions>()
            .Bind(builder.Configuration.GetSection(GameOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }

    /// <summary>Games and players, their history and results, and the join QR code.</summary>
    public static IEndpointRouteBuilder MapGames(this IEndpointRouteBuilder app)
    {
        app.MapGameApi();
        app.MapGameHistoryApi();
        app.MapJoinQrCode();
        return app;
    }
}
