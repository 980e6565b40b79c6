using Game.Tests.Infrastructure;

namespace Game.Tests.KinesisProvider;

/// <summary>
/// The same consumer against our own embedded stream's Kinesis endpoint, which checks SigV4 for real: a second
/// in-process server is the stream, the server under test has <c>Ingest:Provider=Kinesis</c> pointed at it (a
/// self-hosted cluster without AWS). Phones play, the producer writes through PutRecords, the event source reads
/// with ListShards, GetShardIterator and GetRecords; every call is signed, so exact scores prove the signatures.
/// </summary>
public sealed class EmbeddedEndpointConsumerTests : IAsyncLifetime
{
    private const string AccessKeyId = "AKIDGAMESTREAM";
    private const string SecretAccessKey = "game-stream-secret";

    private readonly InProcessServer _stream = new(new Dictionary<string, string?>
    {
        ["Ingest:StreamName"] = "motion",
        ["Ingest:ShardCount"] = "2",
        ["Ingest:AccessKeyId"] = AccessKeyId,
        ["Ingest:SecretAccessKey"] = SecretAccessKey,
    }, []);

    public Task InitializeAsync()
    {
        _ = _stream.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _stream.DisposeAsync();

    [Fact]
    public async Task Phones_PlayOnAnotherNodesEmbeddedStream_ScoresExactWithEveryCallSigned()
    {
        var counts = new KinesisFaults();
        await using var server = new KinesisProviderServer(
            "http://localhost/",
            "motion",
            new Dictionary<string, string?>
            {
                ["Ingest:Kinesis:AccessKeyId"] = AccessKeyId,
                ["Ingest:Kinesis:SecretAccessKey"] = SecretAccessKey,
            },
            primary: () => _stream.Server.CreateHandler(),
            handlers: counts);
        server.Start();
        var (gameId, players) = await server.StartGameAsync(4);

        await using var phones = new ResendingPhones(players, () => server.BaseUrl, TimeSpan.FromMilliseconds(50));
        phones.Start();
        await phones.WaitForAcknowledgedAsync(60, TimeSpan.FromSeconds(30));
        await phones.StopAsync(TimeSpan.FromSeconds(30));

        var expected = phones.ExpectedLedgers().ToDictionary(e => e.Key, e => e.Value.Score);
        var scores = await server.WaitForScoresAsync(gameId, expected, TimeSpan.FromSeconds(30));
        Assert.Equal(expected.OrderBy(e => e.Key), scores.OrderBy(e => e.Key));
        foreach (var operation in new[] { "ListShards", "GetShardIterator", "GetRecords", "PutRecords" })
        {
            Assert.True(counts.CallsOf(operation) > 0, $"no {operation}: {string.Join(", ", counts.Calls)}");
        }

        // The server under test kept no stream of its own: the records are in the stream node's.
        Assert.Empty(Directory.EnumerateFiles(server.DataDirectory, "stream-*.db"));
        Assert.True(File.Exists(Path.Combine(_stream.DataDirectory, "stream-motion.db")));
    }
}
