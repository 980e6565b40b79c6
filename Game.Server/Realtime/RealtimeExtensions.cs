using Game.Functions.Contracts;

namespace Game.Server.Realtime;

public static class RealtimeExtensions
{
    /// <summary>SignalR with the MessagePack protocol, the player tokens, and the frame publisher.</summary>
    public static IHostApplicationBuilder AddRealtime(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSignalR().AddMessagePackProtocol();
        builder.Services.AddSingleton<PlayerTokens>();
        builder.Services.AddSingleton<PhoneStandings>();
        builder.Services.AddSingleton<IFramePublisher, HubFramePublisher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder app)
    {
        app.MapHub<PhoneHub>(HubPaths.Phone).RequirePlayerToken();
        app.MapHub<PresenterHub>(HubPaths.Presenter);
        app.MapHub<BaselineHub>(HubPaths.Baseline);
        return app;
    }
}
