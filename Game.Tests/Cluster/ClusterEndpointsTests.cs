using System.Net;
using System.Net.Sockets;
using Game.Server.Hosting;
using Game.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Game.Tests.Cluster;

/// <summary>Per-node endpoints from Orleans' own keys, with the older <c>Orleans:SiloPort</c>/<c>GatewayPort</c> still honoured.</summary>
public sealed class ClusterEndpointsTests
{
    [Fact]
    public void Read_Nothing_DefaultsOnLoopbackNamedByOrleansKeys()
    {
        var endpoints = ClusterEndpoints.Read(Configuration([]));

        Assert.Equal(new ClusterEndpoints(11111, "Orleans:Endpoints:SiloPort", 30000, "Orleans:Endpoints:GatewayPort", IPAddress.Loopback), endpoints);
    }

    [Fact]
    public void Read_OlderKeysOnly_AreUsedAndNamed()
    {
        var endpoints = ClusterEndpoints.Read(Configuration(new() { ["Orleans:SiloPort"] = "12001", ["Orleans:GatewayPort"] = "12002" }));

        Assert.Equal(new ClusterEndpoints(12001, "Orleans:SiloPort", 12002, "Orleans:GatewayPort", IPAddress.Loopback), endpoints);
    }

    [Fact]
    public void Read_OrleansKeysBesideOlderOnes_OrleansKeysWin()
    {
        var endpoints = ClusterEndpoints.Read(Configuration(new()
        {
            ["Orleans:SiloPort"] = "12001",
            ["Orleans:GatewayPort"] = "12002",
            ["Orleans:Endpoints:SiloPort"] = "13001",
            ["Orleans:Endpoints:GatewayPort"] = "13002",
            ["Orleans:Endpoints:AdvertisedIPAddress"] = "10.1.2.3",
        }));

        Assert.Equal(new ClusterEndpoints(13001, "Orleans:Endpoints:SiloPort", 13002, "Orleans:Endpoints:GatewayPort", IPAddress.Parse("10.1.2.3")), endpoints);
    }

    [Fact]
    public void Read_AdvertisedAddressNotAnAddress_FailsNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            ClusterEndpoints.Read(Configuration(new() { ["Orleans:Endpoints:AdvertisedIPAddress"] = "node-a" })));

        Assert.Equal("Orleans:Endpoints:AdvertisedIPAddress 'node-a' is not an IP address: set the address other nodes reach this one at.", error.Message);
    }

    [Theory]
    [InlineData("Orleans:Endpoints:SiloPort")]
    [InlineData("Orleans:Endpoints:GatewayPort")]
    public async Task Start_PortTakenUnderOrleansKey_FailsNamingThatKey(string setting)
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        // InProcessServer also sets Orleans:SiloPort/GatewayPort: Orleans' key wins, and is the one named.
        await using var server = new InProcessServer(new Dictionary<string, string?> { [setting] = port.ToString() }, []);

        var error = Record.Exception(() => server.CreateClient());

        Assert.NotNull(error);
        Assert.Contains($"{setting} {port} is already in use on 127.0.0.1 (another server running?): set {setting} to a free port.", ClusterStartTests.Messages(error));
        ClusterStartTests.DeleteQuietly(server.DataDirectory);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
