using Game.Functions.Contracts;
using Game.Server.Cluster;
using MessagePack.Resolvers;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using StackExchange.Redis;

namespace Game.Server.Realtime;

public static class RealtimeExtensions
{
    /// <summary>
    /// SignalR with the MessagePack protocol, the player tokens, and the frame publisher. In a Redis cluster, SignalR's
    /// own Redis backplane on <c>ConnectionStrings:&lt;Orleans:Clustering:ServiceKey&gt;</c>, its channels prefixed
    /// with the service and cluster ids: a frame, standing or message to a group reaches the connection on whichever
    /// node it is. Phones and displays connect WebSockets-only without negotiation, so no sticky sessions are needed.
    /// </summary>
    /// <remarks>
    /// The backplane has a connection of its own rather than the one membership uses: StackExchange.Redis applies a
    /// channel prefix per connection, and a busy pub/sub connection must not delay membership's heartbeats.
    /// </remarks>
    public static IHostApplicationBuilder AddRealtime(this IHostApplicationBuilder builder)
    {
        // The phone hub binds its batches with PhoneBatchFormatter (their bytes become the record); every other type as SignalR does.
        var signalR = builder.Services.AddSignalR().AddMessagePackProtocol(o => o.SerializerOptions = o.SerializerOptions
            .WithResolver(CompositeResolver.Create([PhoneBatchFormatter.Instance], [o.SerializerOptions.Resolver])));
        if (ClusterSettings.IsRedisCluster(builder.Configuration))
        {
            signalR.AddStackExchangeRedis();
            builder.Services.AddOptions<RedisOptions>().Configure<IConfiguration>((o, configuration) =>
            {
                // A missing connection string is reported by ClusterNodeCheck at start, naming the setting.
                o.Configuration = ConfigurationOptions.Parse(configuration.GetConnectionString(ClusterSettings.ConnectionName(configuration)) ?? "");
                o.Configuration.ChannelPrefix = RedisChannel.Literal(BackplanePrefix(configuration));
            });
        }

        builder.Services.AddSingleton<PlayerTokens>();
        builder.Services.AddSingleton<StandingsRouter>();
        builder.Services.AddSingleton<IFramePublisher, HubFramePublisher>();
        return builder;
    }

    /// <summary>The backplane's channel prefix: clusters sharing one Redis never hear each other's messages.</summary>
    public static string BackplanePrefix(IConfiguration configuration) =>
        $"{ClusterSettings.ServiceId(configuration)}/{ClusterSettings.ClusterId(configuration)}/signalr/";

    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder app)
    {
        app.MapHub<PhoneHub>(HubPaths.Phone).RequirePlayerToken();
        app.MapHub<PresenterHub>(HubPaths.Presenter);
        app.MapHub<BaselineHub>(HubPaths.Baseline);
        return app;
    }
}
