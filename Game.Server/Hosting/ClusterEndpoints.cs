using System.Net;

namespace Game.Server.Hosting;

/// <summary>
/// This node's Orleans endpoints, from Orleans' own keys (<c>Orleans:Endpoints:SiloPort</c>, <c>GatewayPort</c>,
/// <c>AdvertisedIPAddress</c>) or, for configurations written before them, <c>Orleans:SiloPort</c> and
/// <c>Orleans:GatewayPort</c>. Each port remembers the key it came from, so a taken port is reported under the
/// setting the operator actually wrote.
/// </summary>
public sealed record ClusterEndpoints(int SiloPort, string SiloPortSetting, int GatewayPort, string GatewayPortSetting, IPAddress AdvertisedIPAddress)
{
    public const string SiloPortKey = "Orleans:Endpoints:SiloPort";
    public const string GatewayPortKey = "Orleans:Endpoints:GatewayPort";
    public const string AdvertisedIPAddressKey = "Orleans:Endpoints:AdvertisedIPAddress";
    public const string LegacySiloPortKey = "Orleans:SiloPort";
    public const string LegacyGatewayPortKey = "Orleans:GatewayPort";

    /// <summary>Orleans' key wins over the older one; defaults 11111 and 30000, advertised on loopback.</summary>
    public static ClusterEndpoints Read(IConfiguration configuration)
    {
        var (siloPort, siloSetting) = Port(configuration, SiloPortKey, LegacySiloPortKey, 11111);
        var (gatewayPort, gatewaySetting) = Port(configuration, GatewayPortKey, LegacyGatewayPortKey, 30000);
        var advertised = configuration[AdvertisedIPAddressKey] is { Length: > 0 } address
            ? IPAddress.TryParse(address, out var parsed)
                ? parsed
                : throw new InvalidOperationException($"{AdvertisedIPAddressKey} '{address}' is not an IP address: set the address other nodes reach this one at.")
            // One machine (the default, and every test) needs nothing else; nodes on several machines set it.
            : IPAddress.Loopback;
        return new ClusterEndpoints(siloPort, siloSetting, gatewayPort, gatewaySetting, advertised);
    }

    private static (int Port, string Setting) Port(IConfiguration configuration, string key, string legacyKey, int fallback)
    {
        foreach (var setting in new[] { key, legacyKey })
        {
            if (configuration[setting] is { Length: > 0 } value)
            {
                return int.TryParse(value, out var port) && port is >= 0 and <= 65535
                    ? (port, setting)
                    : throw new InvalidOperationException($"{setting} '{value}' is not a port number (0–65535).");
            }
        }

        return (fallback, key);
    }
}
