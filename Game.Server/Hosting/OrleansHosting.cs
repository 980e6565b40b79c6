using Game.Functions.Games;
using Game.Server.Cluster;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Game.Server.Hosting;

public static class OrleansHosting
{
    /// <summary>
    /// The co-hosted silo. Localhost clustering by default; with <c>Orleans:Clustering:ProviderType</c> set (e.g.
    /// <c>Redis</c>, with <c>Orleans:Clustering:ServiceKey=redis</c> and <c>ConnectionStrings:redis</c>) Orleans
    /// configures the named membership provider itself from that section, and this node joins a cluster of several
    /// (docs/scale-out.md). Ports from <c>Orleans:Endpoints:*</c> or <c>Orleans:SiloPort</c>/<c>GatewayPort</c>
    /// (<see cref="ClusterEndpoints"/>), so tests and a second instance never share them.
    /// </summary>
    public static IHostApplicationBuilder AddGameSilo(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var endpoints = ClusterEndpoints.Read(configuration);
        var serviceId = ClusterSettings.ServiceId(configuration);
        var clusterId = ClusterSettings.ClusterId(configuration);
        // A clustered node with a node-local part, or without the shared keys, stops here naming the setting, before
        // anything connects to Redis; the start-up validation below only logs the tests-only escape hatch.
        ClusterNodeCheck.ThrowIfRefused(configuration);
        builder.Services.AddSingleton<IValidateOptions<ClusterNodeSettings>, ClusterNodeCheck>();
        builder.Services.AddOptions<ClusterNodeSettings>().Configure<IConfiguration>((node, config) => node.Read(config)).ValidateOnStart();
        builder.UseOrleans(silo =>
        {
            if (ClusterSettings.HasClusteringProvider(configuration))
            {
                // No hand-written switch: UseOrleans has already applied Orleans:Clustering through the provider its
                // package registers ([RegisterProvider("Redis", "Clustering", "Silo", …)]). Only the ids, the ports
                // and the timings are ours.
                silo.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (serviceId, clusterId));
                silo.Configure<ClusterMembershipOptions>(ClusterMembership.ForLiveShow);
            }
            else
            {
                silo.UseLocalhostClustering(endpoints.SiloPort, endpoints.GatewayPort, primarySiloEndpoint: null, serviceId, clusterId);
            }

            silo.Configure<EndpointOptions>(o =>
            {
                o.SiloPort = endpoints.SiloPort;
                o.GatewayPort = endpoints.GatewayPort;
                o.AdvertisedIPAddress = endpoints.AdvertisedIPAddress;
            });
        });
        if (ClusterSettings.IsRedisCluster(configuration))
        {
            builder.Services.AddClusterRedisConnection(configuration);
        }

        // A taken port stops the start with the setting to change, instead of a second silo sharing it silently.
        builder.Services.AddSingleton<IValidateOptions<EndpointOptions>, OrleansPorts>();
        builder.Services.AddOptions<EndpointOptions>().ValidateOnStart();
        builder.Services.AddOptions<GameOptions>()
            .Bind(builder.Configuration.GetSection(GameOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DataDirectory>();
        return builder;
    }
}
