using Game.Server.Auth;
using Game.Server.Ingest;
using Game.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Game.Tests.Auth;

/// <summary>Listening beyond loopback with the published development key pair is said loudly at start.</summary>
public sealed class DevelopmentKeysTests
{
    private readonly CapturedLogs _logs = new();

    private bool Warn(IngestOptions options, params string[] urls)
    {
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(_logs));
        return DevelopmentKeys.Warn(urls, options, factory.CreateLogger("Game.Server"));
    }

    [Fact]
    public void Warn_BeyondLoopbackWithTheDevelopmentKeys_WarnsOnceNamingTheSettings()
    {
        Assert.True(Warn(new IngestOptions(), "http://localhost:5000", "https://0.0.0.0:5001"));

        var warning = Assert.Single(_logs.Entries);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("(https://0.0.0.0:5001)", warning.Message);
        Assert.Contains("Ingest:AccessKeyId and Ingest:SecretAccessKey", warning.Message);
        Assert.DoesNotContain(DevelopmentKeys.SecretAccessKey, warning.Message);
    }

    [Fact]
    public void Warn_LoopbackOnly_SaysNothing()
    {
        Assert.False(Warn(new IngestOptions(), "http://localhost:5000", "http://127.0.0.1:5001", "http://[::1]:5002"));
        Assert.Empty(_logs.Entries);
    }

    [Fact]
    public void Warn_OwnSecretOnTheNetwork_SaysNothing()
    {
        Assert.False(Warn(new IngestOptions { SecretAccessKey = "a-secret-of-our-own" }, "http://[::]:5000"));
        Assert.Empty(_logs.Entries);
    }

    [Theory]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://127.8.9.10:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://[::]:5000", false)]
    [InlineData("http://*:5000", false)]
    [InlineData("http://+:5000", false)]
    [InlineData("https://192.168.1.20:5001", false)]
    [InlineData("http://game.example:80", false)]
    public void IsLoopback_Url_OnlyThisMachineCounts(string url, bool loopback) =>
        Assert.Equal(loopback, DevelopmentKeys.IsLoopback(url));
}
