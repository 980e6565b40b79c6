using Game.Server.Hosting;
using Game.Server.Realtime;
using Microsoft.Extensions.Configuration;

namespace Game.Tests.Cluster;

/// <summary>With <c>Game:PlayerTokenKey</c>, a token issued by one node is valid on every node; without it, only where it was issued.</summary>
public sealed class SharedPlayerTokenTests : IDisposable
{
    private readonly List<string> _directories = [];

    [Fact]
    public void TryValidate_SameConfiguredKeyOnTwoNodes_TokenFromOneIsValidOnTheOther()
    {
        var key = new Dictionary<string, string?> { ["Game:PlayerTokenKey"] = "0123456789abcdef0123456789abcdef" };
        var nodeA = Tokens(key);
        var nodeB = Tokens(key);

        var token = nodeA.Issue("g1", "p1");

        Assert.True(nodeB.TryValidate(token, out var gameId, out var playerId));
        Assert.Equal(("g1", "p1"), (gameId, playerId));
        Assert.False(nodeB.TryValidate(nodeA.Issue("g1", "p1")[..^1] + "x", out _, out _));
    }

    [Fact]
    public void TryValidate_KeysGeneratedPerDataDirectory_TokenIsValidOnlyWhereIssued()
    {
        var nodeA = Tokens([]);
        var nodeB = Tokens([]);

        var token = nodeA.Issue("g1", "p1");

        Assert.True(nodeA.TryValidate(token, out _, out _));
        Assert.False(nodeB.TryValidate(token, out _, out _));
    }

    [Fact]
    public void Constructor_ConfiguredKey_WritesNoKeyFile()
    {
        var tokens = Tokens(new() { ["Game:PlayerTokenKey"] = "0123456789abcdef0123456789abcdef" });

        Assert.NotNull(tokens);
        Assert.False(File.Exists(Path.Combine(_directories[^1], "player-token.key")));
    }

    public void Dispose()
    {
        foreach (var directory in _directories)
        {
            ClusterStartTests.DeleteQuietly(directory);
        }
    }

    private PlayerTokens Tokens(Dictionary<string, string?> settings)
    {
        var directory = Path.Combine(Path.GetTempPath(), "game-tokens-" + Guid.NewGuid().ToString("N")[..12]);
        _directories.Add(directory);
        settings["Game:DataDirectory"] = directory;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new PlayerTokens(configuration, new DataDirectory(configuration));
    }
}
