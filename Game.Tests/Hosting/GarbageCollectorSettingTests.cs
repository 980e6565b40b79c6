using System.Text.Json.Nodes;
using Game.Tests.Infrastructure;

namespace Game.Tests.Hosting;

/// <summary>
/// The server runs with Workstation GC, concurrent (Game.Server.csproj says why): the built server's runtimeconfig.json
/// is what the runtime reads at start.
/// </summary>
public sealed class GarbageCollectorSettingTests
{
    [Fact]
    public void RuntimeConfig_BuiltServer_IsWorkstationConcurrentGc()
    {
        var path = Path.Combine(ServerProcess.ServerBinDirectory(), "Game.Server.runtimeconfig.json");
        var properties = JsonNode.Parse(File.ReadAllText(path))!["runtimeOptions"]!["configProperties"]!;

        Assert.Equal(false, properties["System.GC.Server"]?.GetValue<bool>());
        // Concurrent (background) collection is the runtime's default; the project must not turn it off.
        Assert.NotEqual(false, properties["System.GC.Concurrent"]?.GetValue<bool>());
    }
}
