using Game.Server.Cluster;
using Game.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Game.Tests.Cluster;

/// <summary>A clustered node with a node-local part, or without the shared keys, is refused with the setting's name.</summary>
public sealed class ClusterNodeCheckTests
{
    private const string SharedKey = "0123456789abcdef0123456789abcdef";

    [Fact]
    public void Validate_SingleNodeWithEverythingEmbedded_Succeeds()
    {
        var result = Check(new ClusterNodeSettings { IsCluster = false, StorageProvider = "Embedded" });

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Validate_ClusterWithSharedPartsAndKeys_Succeeds()
    {
        var result = Check(Complete());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_ClusterWithEmbeddedStore_FailsNamingStorageProvider()
    {
        var node = Complete();
        node.StorageProvider = "Embedded";

        var result = Check(node);

        Assert.Equal(
            ["Storage:Provider is Embedded: the embedded store is node-local; with Orleans:Clustering:ProviderType=Redis set Storage:Provider=DynamoDb so every node reads and writes the same tables."],
            result.Failures);
    }

    [Fact]
    public void Validate_ClusterWithEmbeddedStream_FailsNamingIngestProvider()
    {
        var node = Complete();
        node.IngestProvider = null;

        var result = Check(node);

        Assert.Equal(
            ["Ingest:Provider is Embedded (the default): the embedded stream is node-local; with Orleans:Clustering:ProviderType=Redis set Ingest:Provider=Kinesis so every node writes to and reads from the same stream."],
            result.Failures);
    }

    [Fact]
    public void Validate_ClusterWithEmbeddedStreamAllowedForTests_SucceedsAndWarns()
    {
        var node = Complete();
        node.IngestProvider = "Embedded";
        node.AllowNodeLocalStream = true;
        using var logs = new CapturedLogs();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));

        var result = new ClusterNodeCheck(loggers.CreateLogger<ClusterNodeCheck>()).Validate(null, node);

        Assert.True(result.Succeeded, result.FailureMessage);
        var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning).Message;
        Assert.StartsWith("TESTS ONLY: Cluster:AllowNodeLocalStream=true keeps this clustered node's embedded stream.", warning);
    }

    [Theory]
    [InlineData(null, "Game:PlayerTokenKey is not set")]
    [InlineData("short", "Game:PlayerTokenKey is too short")]
    public void Validate_ClusterWithoutSharedPlayerTokenKey_FailsNamingIt(string? key, string expected)
    {
        var node = Complete();
        node.PlayerTokenKey = key;

        var failure = Assert.Single(Check(node).Failures!);

        Assert.StartsWith(expected + ": with Orleans:Clustering:ProviderType=Redis every node needs the same player-token key (at least 32 characters", failure);
    }

    [Fact]
    public void Validate_ClusterWithoutPresenterKeyOrConnectionString_FailsNamingBoth()
    {
        var node = Complete();
        node.PresenterKey = null;
        node.ConnectionString = null;

        var failures = Check(node).Failures!.ToList();

        Assert.Equal(2, failures.Count);
        Assert.StartsWith("ConnectionStrings:redis is not set:", failures[0]);
        Assert.StartsWith("Game:PresenterKey is not set:", failures[1]);
    }

    private static ClusterNodeSettings Complete() => new()
    {
        IsCluster = true,
        StorageProvider = "DynamoDb",
        IngestProvider = "Kinesis",
        PlayerTokenKey = SharedKey,
        PresenterKey = "presenter",
        ConnectionString = "127.0.0.1:6379",
    };

    private static ValidateOptionsResult Check(ClusterNodeSettings node) =>
        new ClusterNodeCheck(NullLogger<ClusterNodeCheck>.Instance).Validate(null, node);
}
