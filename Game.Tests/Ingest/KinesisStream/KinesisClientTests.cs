using System.Text;
using Amazon.Runtime;
using Game.Server.Ingest;
using Game.Server.Ingest.KinesisStream;

namespace Game.Tests.Ingest.KinesisStream;

/// <summary>
/// The Kinesis client, the stream set-up and the Kinesis producer against a real endpoint: kinesalite, and our own
/// server's SigV4-checking Kinesis endpoint. Faults are injected by handlers in front of the endpoint; the
/// endpoint itself is real.
/// </summary>
public abstract class KinesisClientTests<TPeer>(TPeer peer) where TPeer : KinesisPeer
{
    protected TPeer Peer => peer;

    [Fact]
    public async Task EnsureActive_TwoNodesStartingAtOnce_BothSeeTheStreamActiveWithItsShards()
    {
        var options = peer.Options(peer.StreamName());
        var counting = new CountingHandler();
        var first = KinesisPeer.Setup(peer.Client(options, counting), options);
        var second = KinesisPeer.Setup(peer.Client(options, counting), options);

        var summaries = await Task.WhenAll(first.EnsureActiveAsync(CancellationToken.None), second.EnsureActiveAsync(CancellationToken.None));

        Assert.All(summaries, s => Assert.Equal((StreamStatus.Active, peer.ShardCount), (s.StreamStatus, s.OpenShardCount)));
        // At most one node created it; the other found it, or lost the race with ResourceInUseException.
        Assert.Equal(peer.CreatesStreams ? 1 : 0, counting.SuccessesOf("CreateStream"));
    }

    [Fact]
    public async Task ListAllShards_PagesOfTwo_ListsEveryShardOnceInOrder()
    {
        var options = await ActiveStreamAsync();
        var counting = new CountingHandler();
        var client = peer.Client(options, counting);

        var shards = await client.ListAllShardsAsync(options.StreamName, pageSize: 2);

        Assert.Equal(Enumerable.Range(0, peer.ShardCount).Select(i => $"shardId-{i:D12}"), shards.Select(s => s.ShardId));
        Assert.Equal(ExpectedListShardsCalls(), counting.CallsOf("ListShards"));
    }

    [Fact]
    public async Task Producer_ConcurrentAppendsOverManyKeys_KeepEachKeysOrderAndReadBackExactlyOnce()
    {
        const int keys = 8;
        const int perKey = 20;
        var options = await ActiveStreamAsync(o => o.MaxCallsInFlight = 3);
        var client = peer.Client(options);
        var prefix = Prefix();
        var producer = KinesisPeer.Producer(client, options);
        await using var _ = producer;

        // Each key's records are appended without waiting for the previous one: the producer must queue them.
        var appends = await Task.WhenAll(Enumerable.Range(0, keys).Select(k => Task.Run(() =>
            Task.WhenAll(Enumerable.Range(0, perKey).Select(i => producer.AppendAsync(Record($"{prefix}{k}", i))))))).WaitAsync(Bound);

        var results = appends.SelectMany(a => a).ToList();
        Assert.All(results, r => Assert.True(r.Succeeded, r.ErrorCode));
        var read = await ReadBackAsync(client, options.StreamName, prefix);
        Assert.Equal(keys * perKey, read.Count);
        for (var k = 0; k < keys; k++)
        {
            Assert.Equal(
                Enumerable.Range(0, perKey).Select(i => $"{prefix}{k}:{i}"),
                read.Where(r => r.Record.PartitionKey == $"{prefix}{k}").Select(r => Encoding.UTF8.GetString(r.Record.Data)));
            // Each append answered the shard and sequence number its record was stored under.
            Assert.Equal(
                appends[k].Select(a => (a.ShardId, a.SequenceNumber)),
                read.Where(r => r.Record.PartitionKey == $"{prefix}{k}").Select(r => (r.ShardId, (string?)r.Record.SequenceNumber)));
        }

        Assert.Equal(0, producer.Resends);
    }

    [Fact]
    public async Task Producer_OneRecordOfACallRefused_IsResentAloneAndStoredExactlyOnce()
    {
        var options = await ActiveStreamAsync(o => o.LingerMilliseconds = 200);
        var prefix = Prefix();
        var refuse = new RefuseOneRecordHandler($"{prefix}b", peer.Credentials, peer.Region);
        var client = peer.Client(options, refuse);
        var producer = KinesisPeer.Producer(client, options);
        await using var _ = producer;

        var results = await producer.AppendAsync([Record($"{prefix}a", 0), Record($"{prefix}b", 0), Record($"{prefix}c", 0)]).WaitAsync(Bound);

        Assert.All(results, r => Assert.True(r.Succeeded, r.ErrorCode));
        Assert.Equal((1, 3), (refuse.Refused, refuse.RecordsInRefusedCall));
        Assert.Equal((1L, 2L), (producer.Resends, producer.Calls));
        var read = await ReadBackAsync(peer.Client(options), options.StreamName, prefix);
        Assert.Equal([$"{prefix}a:0", $"{prefix}b:0", $"{prefix}c:0"], read.Select(r => Encoding.UTF8.GetString(r.Record.Data)).Order());
        Assert.Equal(results[1].SequenceNumber, read.Single(r => r.Record.PartitionKey == $"{prefix}b").Record.SequenceNumber);
    }

    [Fact]
    public async Task Producer_KeysNextRecordAfterARefusal_WaitsForTheResendAndStaysInOrder()
    {
        var options = await ActiveStreamAsync(o => o.LingerMilliseconds = 50);
        var prefix = Prefix();
        var refuse = new RefuseOneRecordHandler($"{prefix}k", peer.Credentials, peer.Region);
        var client = peer.Client(options, refuse);
        var producer = KinesisPeer.Producer(client, options);
        await using var _ = producer;

        var results = await producer.AppendAsync([Record($"{prefix}k", 0), Record($"{prefix}k", 1), Record($"{prefix}k", 2)]).WaitAsync(Bound);

        Assert.All(results, r => Assert.True(r.Succeeded, r.ErrorCode));
        // One record per call for one key: the refused first record was resent before the second was sent.
        Assert.Equal((1, 1), (refuse.Refused, refuse.RecordsInRefusedCall));
        var read = await ReadBackAsync(peer.Client(options), options.StreamName, prefix);
        Assert.Equal([$"{prefix}k:0", $"{prefix}k:1", $"{prefix}k:2"], read.Select(r => Encoding.UTF8.GetString(r.Record.Data)));
    }

    [Fact]
    public async Task GetRecords_InvalidIterator_ThrowsInvalidArgumentException()
    {
        var options = await ActiveStreamAsync();
        var client = peer.Client(options);

        await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            client.GetRecordsAsync(new GetRecordsRequest(Convert.ToBase64String(Encoding.UTF8.GetBytes("not an iterator of this stream at all")))));
    }

    [Fact]
    public async Task GetShardIterator_UnknownShard_ThrowsResourceNotFoundException()
    {
        var options = await ActiveStreamAsync();
        var client = peer.Client(options);

        await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            client.GetShardIteratorAsync(new GetShardIteratorRequest(options.StreamName, "shardId-000000000099", ShardIteratorType.TrimHorizon)));
    }

    [Fact]
    public async Task DescribeStreamSummary_ThrottledTwice_IsRetriedAndAnswers()
    {
        var options = await ActiveStreamAsync();
        var throttling = new ThrottlingHandler("DescribeStreamSummary", times: 2);
        var client = peer.Client(options, throttling);

        var summary = await client.DescribeStreamSummaryAsync(options.StreamName);

        Assert.Equal((StreamStatus.Active, 3), (summary.StreamStatus, throttling.Attempts));
    }

    [Fact]
    public async Task DescribeStreamSummary_ThrottledBeyondMaxRetries_ThrowsProvisionedThroughputExceededAfterEveryRetry()
    {
        var options = await ActiveStreamAsync(o => o.MaxRetries = 3);
        var throttling = new ThrottlingHandler("DescribeStreamSummary", times: 100);
        var client = peer.Client(options, throttling);

        var error = await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => client.DescribeStreamSummaryAsync(options.StreamName));

        Assert.Equal((4, "injected"), (throttling.Attempts, error.RequestId));
    }

    [Fact]
    public async Task Producer_PutRecordsThrottledAsAWhole_IsRetriedByTheClientAndAcknowledged()
    {
        var options = await ActiveStreamAsync();
        var throttling = new ThrottlingHandler("PutRecords", times: 2);
        var prefix = Prefix();
        var client = peer.Client(options, throttling);
        var producer = KinesisPeer.Producer(client, options);
        await using var _ = producer;

        var result = await producer.AppendAsync(Record($"{prefix}t", 0)).WaitAsync(Bound);

        Assert.True(result.Succeeded, result.ErrorCode);
        Assert.Equal((3, 1L), (throttling.Attempts, producer.Calls));
        var read = await ReadBackAsync(peer.Client(options), options.StreamName, prefix);
        Assert.Equal(result.SequenceNumber, Assert.Single(read).Record.SequenceNumber);
    }

    [Fact]
    public async Task EnsureActive_StreamThatNeverBecomesActive_StopsWithTheTimeoutSetting()
    {
        // The stream exists (a fresh one would spend the short deadline on being created, under load all of it, and
        // end with its last status "not found"); the endpoint only ever says it is still CREATING.
        var options = await ActiveStreamAsync(o => o.ActiveTimeoutSeconds = 3);
        var setup = KinesisPeer.Setup(peer.Client(options, new StreamStatusHandler(StreamStatus.Creating)), options);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => setup.EnsureActiveAsync(CancellationToken.None));

        Assert.Contains("did not become ACTIVE within 3 s (Ingest:Kinesis:ActiveTimeoutSeconds); its last status was CREATING", error.Message);
    }

    /// <summary>How long a test waits for appends before it fails instead of hanging.</summary>
    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    protected abstract int ExpectedListShardsCalls();

    protected async Task<Game.Server.Ingest.IngestOptions> ActiveStreamAsync(Action<KinesisStreamOptions>? tune = null)
    {
        var options = peer.Options(peer.StreamName(), tune);
        await KinesisPeer.Setup(peer.Client(options), options).EnsureActiveAsync(CancellationToken.None);
        return options;
    }

    protected static string Prefix() => "p" + Guid.NewGuid().ToString("N")[..10] + "-";

    protected static AppendRequest Record(string key, int index) => new(key, Encoding.UTF8.GetBytes($"{key}:{index}"));

    /// <summary>Every record of every shard from TRIM_HORIZON whose key starts with <paramref name="prefix"/>, in shard order.</summary>
    protected static async Task<List<(string ShardId, KinesisRecord Record)>> ReadBackAsync(KinesisClient client, string stream, string prefix)
    {
        var read = new List<(string, KinesisRecord)>();
        foreach (var shard in await client.ListAllShardsAsync(stream))
        {
            var iterator = await client.GetShardIteratorAsync(new GetShardIteratorRequest(stream, shard.ShardId, ShardIteratorType.TrimHorizon));
            while (iterator is not null)
            {
                var page = await client.GetRecordsAsync(new GetRecordsRequest(iterator, 1000));
                read.AddRange(page.Records.Where(r => r.PartitionKey.StartsWith(prefix, StringComparison.Ordinal)).Select(r => (shard.ShardId, r)));
                iterator = page.Records.Count == 0 ? null : page.NextShardIterator;
            }
        }

        return read;
    }
}

public sealed class KinesaliteClientTests(KinesalitePeer peer) : KinesisClientTests<KinesalitePeer>(peer), IClassFixture<KinesalitePeer>
{
    [Fact]
    public async Task EnsureActive_MissingStream_IsCreatedWithTheConfiguredShardCount()
    {
        var options = Peer.Options(Peer.StreamName());
        var counting = new CountingHandler();

        await KinesisPeer.Setup(Peer.Client(options, counting), options).EnsureActiveAsync(CancellationToken.None);

        Assert.Equal(1, counting.SuccessesOf("CreateStream"));
        Assert.Equal(3, (await Peer.Client(options).ListAllShardsAsync(options.StreamName)).Count);
    }

    // kinesalite answers every shard on the first page, whatever MaxResults says.
    protected override int ExpectedListShardsCalls() => 1;
}

public sealed class EmbeddedEndpointClientTests(EmbeddedEndpointPeer peer) : KinesisClientTests<EmbeddedEndpointPeer>(peer), IClassFixture<EmbeddedEndpointPeer>
{
    [Fact]
    public async Task AnyCall_SignedWithAnotherSecret_ThrowsAccessDeniedWithoutRetrying()
    {
        var options = Peer.Options(Peer.StreamName());
        var counting = new CountingHandler();
        var client = Peer.Client(options, new BasicAWSCredentials(EmbeddedEndpointPeer.AccessKeyId, "not-the-secret"), counting);

        var error = await Assert.ThrowsAsync<KinesisAccessDeniedException>(() => client.DescribeStreamSummaryAsync(options.StreamName));

        Assert.Equal(("InvalidSignatureException", 1), (error.ErrorType, counting.CallsOf("DescribeStreamSummary")));
    }

    [Fact]
    public async Task AnyCall_WithASessionToken_IsSignedOverTheTokenAndAccepted()
    {
        var options = Peer.Options(Peer.StreamName());
        var client = Peer.Client(options, new SessionAWSCredentials(EmbeddedEndpointPeer.AccessKeyId, EmbeddedEndpointPeer.SecretAccessKey, "a-session-token"));

        var summary = await client.DescribeStreamSummaryAsync(options.StreamName);

        Assert.Equal("motion", summary.StreamName);
    }

    [Fact]
    public async Task GetRecords_IteratorOlderThanItsLifetime_ThrowsExpiredIteratorException()
    {
        var options = await ActiveStreamAsync();
        var client = Peer.Client(options);
        var iterator = await client.GetShardIteratorAsync(new GetShardIteratorRequest(options.StreamName, "shardId-000000000000", ShardIteratorType.Latest));

        // The endpoint's iterators live 3 s; ask with the same one until it is refused (bounded, no fixed sleep).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        ExpiredIteratorException? expired = null;
        while (expired is null && DateTime.UtcNow < deadline)
        {
            try
            {
                await client.GetRecordsAsync(new GetRecordsRequest(iterator));
                await Task.Delay(200);
            }
            catch (ExpiredIteratorException ex)
            {
                expired = ex;
            }
        }

        Assert.NotNull(expired);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, expired.StatusCode);
    }

    // Five shards in pages of two: three calls, the later two by NextToken alone.
    protected override int ExpectedListShardsCalls() => 3;
}
