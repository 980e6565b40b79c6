using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Game.Server.Hosting;

/// <summary>
/// Refuses to start when the silo's or the gateway's port is taken, naming the setting to change. Orleans binds its
/// ports so that a second silo on the same port starts without error (three processes were seen listening on 11111
/// at once, and calls landed on any of them); a bind without address reuse, tried and released before the silo
/// starts, does fail on a taken port.
/// </summary>
/// <remarks>Runs as options validation at start (<c>ValidateOnStart</c>): before any hosted service, so before the silo.</remarks>
public sealed class OrleansPorts(IConfiguration configuration) : IValidateOptions<EndpointOptions>
{
    public ValidateOptionsResult Validate(string? name, EndpointOptions options)
    {
        var taken = new List<string>();
        // Named as configured: Orleans:Endpoints:SiloPort, or Orleans:SiloPort from configurations written before it.
        var settings = ClusterEndpoints.Read(configuration);
        // The endpoints the silo listens on: the listening endpoint when set, else the advertised address.
        var silo = options.SiloListeningEndpoint ?? new IPEndPoint(options.AdvertisedIPAddress ?? IPAddress.Any, options.SiloPort);
        if (!IsFree(silo))
        {
            taken.Add($"{settings.SiloPortSetting} {silo.Port} is already in use on {silo.Address} (another server running?): set {settings.SiloPortSetting} to a free port.");
        }

        if (options.GatewayPort != 0)
        {
            var gateway = options.GatewayListeningEndpoint ?? new IPEndPoint(options.AdvertisedIPAddress ?? IPAddress.Any, options.GatewayPort);
            if (!IsFree(gateway))
            {
                taken.Add($"{settings.GatewayPortSetting} {gateway.Port} is already in use on {gateway.Address} (another server running?): set {settings.GatewayPortSetting} to a free port.");
            }
        }

        return taken.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(taken);
    }

    /// <summary>True when a plain bind (no SO_REUSEADDR/SO_REUSEPORT) to the endpoint succeeds.</summary>
    internal static bool IsFree(IPEndPoint endpoint)
    {
        if (endpoint.Port == 0)
        {
            return true;
        }

        using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(endpoint);
            probe.Listen();
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return false;
        }
    }
}
