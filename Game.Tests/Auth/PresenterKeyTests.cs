using Game.Server.Auth;
using Game.Server.Hosting;
using Game.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Game.Tests.Auth;

/// <summary>The presenter key is a secret: it is printed only by the start that generated it.</summary>
public sealed class PresenterKeyTests : IDisposable
{
    private static readonly string[] Urls = ["http://localhost:5000", "http://127.0.0.1:5001"];

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("game-key-");
    private readonly CapturedLogs _logs = new();

    public void Dispose() => _data.Delete(recursive: true);

    private PresenterKey Key(string? configured = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Game:DataDirectory"] = _data.FullName,
            ["Game:PresenterKey"] = configured,
        }).Build();
        return new PresenterKey(configuration, new DataDirectory(configuration));
    }

    private void Announce(PresenterKey key)
    {
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(_logs));
        PresenterKeyExtensions.Announce(key, Urls, factory.CreateLogger("Game.Server"));
    }

    [Fact]
    public void Announce_ConfiguredKey_IsNeverPrinted()
    {
        var key = Key(configured: "configured-secret-key");

        Announce(key);

        Assert.Equal(2, _logs.Entries.Count);
        Assert.All(_logs.Entries, e => Assert.DoesNotContain("configured-secret-key", e.Message));
        Assert.Equal("Presenter display: http://localhost:5000/?key=… with the presenter key from Game:PresenterKey", _logs.Entries[0].Message);
    }

    [Fact]
    public void Announce_KeyGeneratedByThisStart_IsPrintedOnceAndNotByTheNextStart()
    {
        var first = Key();
        Announce(first);
        var printed = _logs.Entries.Select(e => e.Message).ToList();
        _logs.Clear();

        var second = Key();
        Announce(second);

        Assert.True(first.Generated);
        Assert.False(second.Generated);
        Assert.Equal(first.Value, second.Value);
        Assert.Equal($"Presenter display: http://localhost:5000/?key={first.Value} (a new presenter key: it is shown this once, and kept in the data directory)", printed[0]);
        Assert.All(_logs.Entries, e => Assert.DoesNotContain(first.Value, e.Message));
        Assert.Contains(Path.Combine(_data.FullName, "presenter.key"), _logs.Entries[0].Message);
    }
}
