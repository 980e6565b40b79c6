using System.Net;
using System.Net.Sockets;
using Game.Tests.Infrastructure;

namespace Game.Tests.Hosting;

/// <summary>A server whose silo or gateway port is taken fails at start, naming the setting to change.</summary>
public sealed class OrleansPortsTests
{
    [Theory]
    [InlineData("Orleans:SiloPort")]
    [InlineData("Orleans:GatewayPort")]
    public async Task Start_PortTaken_FailsNamingTheSetting(string setting)
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        await using var server = new InProcessServer(new Dictionary<string, string?> { [setting] = port.ToString() }, []);

        var error = Record.Exception(() => server.CreateClient());

        Assert.NotNull(error);
        var messages = string.Join("\n", Flatten(error));
        Assert.Contains($"{setting} {port} is already in use on 127.0.0.1 (another server running?): set {setting} to a free port.", messages);
        try
        {
            Directory.Delete(server.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static IEnumerable<string> Flatten(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            yield return e.Message;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}
