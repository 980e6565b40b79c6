using System.Net;
using Game.Functions.Games;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Game.Server.Hosting;

public static class OrleansHosting
{
    /// <summary>
    /// The co-hosted silo. Localhost clustering by default (ports from <c>Orleans:SiloPort</c>/<c>GatewayPort</c>,
    /// so tests and a second instance never share them); a multi-node cluster swaps the clustering provider here.
    /// </summary>
    public static IHostApplicationBuilder AddGameSilo(this IHostApplicationBuilder builder)
    {
        var orleans = builder.Configuration.GetSection("Orleans");
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(
                siloPort: orleans.GetValue("SiloPort", 11111),
                gatewayPort: orleans.GetValue("GatewayPort", 30000),
                primarySiloEndpoint: null,
                serviceId: orleans["ServiceId"] ?? "game",
                clusterId: orleans["ClusterId"] ?? "game");
            silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = IPAddress.Loopback);
        });
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
