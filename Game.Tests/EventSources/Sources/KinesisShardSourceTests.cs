using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Game.Server.EventSources;
using Game.Server.EventSources.Sources;
using Game.Server.Ingest;
using Game.Server.Ingest.KinesisStream;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.EventSources.Sources;

/// <summary>
/// The Kinesis shard source against a scripted endpoint, with fake time: which iterator it asks for, when it may
/// call GetRecords again (the poll interval and the per-shard read limit), expired iterators, throttling,
/// SHARD_END with children, MillisBehindLatest and ListShards' pages.
/// </summary>
public sealed class KinesisShardSourceTests
{
    private const string Shard0 = "shardId-000000000000";
    private static readonly DateTimeOffset Arrival = DateTimeOffset.Parse("2026-11-28T12:00:00.250Z", CultureInfo.InvariantCulture);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-28T12:00:00Z", CultureInfo.InvariantCulture));
    private readonly ScriptedKinesis _kinesis = new();

    [Fact]
    public async Task Open_WithCheckpoint_AsksAfterItsSequenceNumber()
    {
        await Source().OpenAsync(Shard0, new ShardPosition(StartingPosition.LATEST).After("49590"), default);

        var request = _kinesis.Requests("GetShardIterator").Single();
        Assert.Equal(("AFTER_SEQUENCE_NUMBER", "49590", Shard0, "motion"),
            ((string)request["ShardIteratorType"]!, (string)request["StartingSequenceNumber"]!, (string)request["ShardId"]!, (string)request["StreamName"]!));
    }

    [Fact]
    public async Task Open_WithCheckpointOfAnotherStream_FallsBackToTheStartingPosition()
    {
        _kinesis.RefuseAfterSequenceNumber = true;

        await Source().OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON).After("000000000000000000000000000012"), default);

        Assert.Equal(["AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON"], _kinesis.Requests("GetShardIterator").Select(r => (string)r["ShardIteratorType"]!));
    }

    [Fact]
    public async Task Open_AtTimestamp_AsksAtThatTimeInEpochSeconds()
    {
        var at = DateTimeOffset.Parse("2026-11-28T11:00:00.5Z", CultureInfo.InvariantCulture);

        await Source().OpenAsync(Shard0, new ShardPosition(StartingPosition.AT_TIMESTAMP, at), default);

        var request = _kinesis.Requests("GetShardIterator").Single();
        Assert.Equal("AT_TIMESTAMP", (string)request["ShardIteratorType"]!);
        Assert.Equal(at.ToUnixTimeMilliseconds() / 1000.0, (double)request["Timestamp"]!);
    }

    [Fact]
    public async Task EmptyRead_NextGetRecordsWaitsThePollInterval()
    {
        var cursor = await Source().OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON), default);

        Assert.False(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        Assert.False(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        _time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.False(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        Assert.Equal(1, _kinesis.Count("GetRecords"));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        _kinesis.Enqueue(Record("1"));
        Assert.True(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        Assert.Equal(2, _kinesis.Count("GetRecords"));
        Assert.Equal(["iterator-0", "iterator-1"], _kinesis.Requests("GetRecords").Select(r => (string)r["ShardIterator"]!));
    }

    [Fact]
    public async Task FullRead_NextGetRecordsAtOnceWithinTheShardsReadLimit()
    {
        var source = Source(o => { o.GetRecordsLimit = 2; o.MaxGetRecordsPerSecondPerShard = 5; });
        var cursor = await source.OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON), default);
        _kinesis.Enqueue(Record("1"), Record("2"), Record("3"));

        Assert.True(await cursor.WaitForRecordsAsync(2, TimeSpan.Zero, default));
        Assert.Equal(["1", "2"], (await cursor.ReadAsync(10, default)).Records.Select(r => r.SequenceNumber));
        // Full: the shard has more, but five calls a second means 200 ms between two.
        Assert.False(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        Assert.Equal(["3"], (await cursor.ReadAsync(10, default)).Records.Select(r => r.SequenceNumber));
        Assert.Equal(2, _kinesis.Count("GetRecords"));
    }

    [Fact]
    public async Task TwoCursorsOnOneShard_ShareItsFiveCallsASecond()
    {
        var source = Source(o => o.PollIntervalMilliseconds = 0);
        var first = await source.OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON), default);
        var second = await source.OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON), default);

        Assert.False(await first.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        Assert.False(await second.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        Assert.Equal(1, _kinesis.Count("GetRecords"));
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.False(await second.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        Assert.False(await first.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        Assert.Equal(2, _kinesis.Count("GetRecords"));
    }

    [Fact]
    public async Task Wait_WithTimeout_PollsUntilRecordsComeAndAnswersTrue()
    {
        var cursor = await Source().OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON), default);
        var wait = cursor.WaitForRecordsAsync(1, TimeSpan.FromSeconds(5), default);
        await WaitUntilAsync(() => _kinesis.Count("GetRecords") == 1);
        _kinesis.Enqueue(Record("7"));

        await AdvanceUntilAsync(wait);

        Assert.True(await wait);
        Assert.Equal(2, _kinesis.Count("GetRecords"));
        var read = await cursor.ReadAsync(10, default);
        Assert.Equal(("7", "p", Arrival), (read.Records.Single().SequenceNumber, read.Records.Single().PartitionKey, read.Records.Single().ArrivalTime));
        Assert.Equal(new ShardPosition(StartingPosition.TRIM_HORIZON).After("7"), cursor.Position);
    }

    [Fact]
    public async Task ExpiredIterator_IsGotAgainAfterTheLastRecordFetched()
    {
        var cursor = await Source().OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON), default);
        _kinesis.Enqueue(Record("1"), Record("2"));
        Assert.True(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        Assert.Single((await cursor.ReadAsync(1, default)).Records);

        _kinesis.ExpireNext = true;
        _time.Advance(TimeSpan.FromMilliseconds(200));
        _kinesis.Enqueue(Record("3"));
        var wait = cursor.WaitForRecordsAsync(2, TimeSpan.FromSeconds(1), default);
        // The expired call counted against the shard's read limit: the retry waits for the next slot.
        await AdvanceUntilAsync(wait);
        Assert.True(await wait);

        var iterators = _kinesis.Requests("GetShardIterator");
        Assert.Equal(("AFTER_SEQUENCE_NUMBER", "2"), ((string)iterators[^1]["ShardIteratorType"]!, (string)iterators[^1]["StartingSequenceNumber"]!));
        Assert.Equal(["2", "3"], (await cursor.ReadAsync(10, default)).Records.Select(r => r.SequenceNumber));
    }

    [Fact]
    public async Task Throttled_BeyondTheClientsRetries_BacksOffAndReadsOn()
    {
        var cursor = await Source().OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON), default);
        _kinesis.ThrottleNext = 2;
        _kinesis.Enqueue(Record("1"));

        Assert.False(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        _time.Advance(TimeSpan.FromMilliseconds(399));
        Assert.False(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        Assert.Equal(1, _kinesis.Count("GetRecords"));
        // Backoff: the poll interval and one call's spacing, then twice that.
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        _time.Advance(TimeSpan.FromMilliseconds(799));
        Assert.False(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        Assert.Equal(3, _kinesis.Count("GetRecords"));
    }

    [Fact]
    public async Task ShardEnd_AfterItsLastRecords_EndsTheShardWithItsChildren()
    {
        var cursor = await Source().OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON), default);
        _kinesis.Enqueue(Record("1"), Record("2"));
        _kinesis.EndShard = true;

        Assert.True(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));
        var first = await cursor.ReadAsync(1, default);
        Assert.False(first.ShardEnded);
        var last = await cursor.ReadAsync(10, default);
        Assert.Equal(["2"], last.Records.Select(r => r.SequenceNumber));
        Assert.True(last.ShardEnded);
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], last.ChildShardIds);
        Assert.True(await cursor.WaitForRecordsAsync(5, TimeSpan.Zero, default));
        Assert.Equal(1, _kinesis.Count("GetRecords"));
    }

    [Fact]
    public async Task Read_ReportsMillisBehindLatest()
    {
        var cursor = await Source().OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON), default);
        _kinesis.Enqueue(Record("1"));
        _kinesis.MillisBehindLatest = 1500;

        Assert.True(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, default));

        Assert.Equal(TimeSpan.FromMilliseconds(1500), (await cursor.ReadAsync(10, default)).BehindLatest);
    }

    [Fact]
    public async Task ListShards_FollowsEveryPage_WithParents()
    {
        var shards = await Source().ListShardsAsync(default);

        Assert.Equal(
            [("shardId-000000000000", ""), ("shardId-000000000001", "shardId-000000000000"), ("shardId-000000000002", "shardId-000000000000,shardId-000000000003")],
            shards.Select(s => (s.ShardId, string.Join(",", s.ParentShardIds))));
        Assert.Equal(2, _kinesis.Count("ListShards"));
    }

    private KinesisShardSource Source(Action<KinesisStreamOptions>? tune = null)
    {
        var options = new IngestOptions
        {
            Provider = IngestProvider.Kinesis,
            StreamName = "motion",
            Kinesis = new KinesisStreamOptions { ServiceUrl = "http://kinesis.test/", MaxRetries = 0 },
        };
        tune?.Invoke(options.Kinesis);
        var client = new KinesisClient(new HttpClient(_kinesis), options.Kinesis, new BasicAWSCredentials("AKIDTEST", "test-secret"), _time, NullLogger<KinesisClient>.Instance);
        return new KinesisShardSource(client, Options.Create(options), _time, NullLogger<KinesisShardSource>.Instance);
    }

    private static JsonObject Record(string sequenceNumber) => new()
    {
        ["SequenceNumber"] = sequenceNumber,
        ["ApproximateArrivalTimestamp"] = Arrival.ToUnixTimeMilliseconds() / 1000.0,
        ["Data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("data" + sequenceNumber)),
        ["PartitionKey"] = "p",
    };

    private async Task AdvanceUntilAsync(Task task)
    {
        for (var i = 0; i < 1000 && !task.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(1);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(5);
        }
    }

    /// <summary>
    /// A Kinesis endpoint with one shard whose records a test enqueues: GetRecords hands out everything enqueued
    /// (up to its Limit) and a new iterator; failures and SHARD_END on request.
    /// </summary>
    private sealed class ScriptedKinesis : HttpMessageHandler
    {
        private readonly ConcurrentQueue<JsonObject> _records = new();
        private readonly ConcurrentQueue<(string Operation, JsonObject Body)> _requests = new();
        private int _iterators;

        public bool RefuseAfterSequenceNumber { get; set; }

        public bool ExpireNext { get; set; }

        public int ThrottleNext { get; set; }

        public bool EndShard { get; set; }

        public long? MillisBehindLatest { get; set; } = 0;

        public void Enqueue(params JsonObject[] records)
        {
            foreach (var record in records)
            {
                _records.Enqueue(record);
            }
        }

        public int Count(string operation) => _requests.Count(r => r.Operation == operation);

        public List<JsonObject> Requests(string operation) => _requests.Where(r => r.Operation == operation).Select(r => r.Body).ToList();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var operation = request.Headers.GetValues("X-Amz-Target").Single()[KinesisClient.TargetPrefix.Length..];
            var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!.AsObject();
            _requests.Enqueue((operation, body));
            switch (operation)
            {
                case "GetShardIterator" when RefuseAfterSequenceNumber && (string)body["ShardIteratorType"]! == "AFTER_SEQUENCE_NUMBER":
                    return Error("InvalidArgumentException", "StartingSequenceNumber is not in the shard.");
                case "GetShardIterator":
                    return Ok(new JsonObject { ["ShardIterator"] = $"iterator-{Interlocked.Increment(ref _iterators) - 1}" });
                case "GetRecords" when ExpireNext:
                    ExpireNext = false;
                    return Error("ExpiredIteratorException", "Iterator expired.");
                case "GetRecords" when ThrottleNext > 0:
                    ThrottleNext--;
                    return Error("ProvisionedThroughputExceededException", "Rate exceeded.");
                case "GetRecords":
                    var limit = (int?)body["Limit"] ?? 10_000;
                    var records = new JsonArray();
                    while (records.Count < limit && _records.TryDequeue(out var record))
                    {
                        records.Add(record);
                    }

                    var answer = new JsonObject { ["Records"] = records, ["MillisBehindLatest"] = MillisBehindLatest };
                    if (EndShard)
                    {
                        answer["ChildShards"] = new JsonArray(Child("shardId-000000000001"), Child("shardId-000000000002"));
                    }
                    else
                    {
                        answer["NextShardIterator"] = $"iterator-{Interlocked.Increment(ref _iterators) - 1}";
                    }

                    return Ok(answer);
                case "ListShards" when body["NextToken"] is null:
                    return Ok(new JsonObject { ["Shards"] = new JsonArray(Shard("shardId-000000000000", null, null), Shard("shardId-000000000001", "shardId-000000000000", null)), ["NextToken"] = "page-2" });
                case "ListShards":
                    return Ok(new JsonObject { ["Shards"] = new JsonArray(Shard("shardId-000000000002", "shardId-000000000000", "shardId-000000000003")) });
                default:
                    return Error("UnknownOperationException", operation);
            }
        }

        private static JsonObject Child(string shardId) => new()
        {
            ["ShardId"] = shardId,
            ["ParentShards"] = new JsonArray("shardId-000000000000"),
            ["HashKeyRange"] = new JsonObject { ["StartingHashKey"] = "0", ["EndingHashKey"] = "1" },
        };

        private static JsonObject Shard(string shardId, string? parent, string? adjacent) => new()
        {
            ["ShardId"] = shardId,
            ["ParentShardId"] = parent,
            ["AdjacentParentShardId"] = adjacent,
            ["HashKeyRange"] = new JsonObject { ["StartingHashKey"] = "0", ["EndingHashKey"] = "1" },
            ["SequenceNumberRange"] = new JsonObject { ["StartingSequenceNumber"] = "0" },
        };

        private static HttpResponseMessage Ok(JsonObject body) =>
            new(HttpStatusCode.OK) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, KinesisClient.ContentType) };

        private static HttpResponseMessage Error(string type, string message) =>
            new(HttpStatusCode.BadRequest) { Content = new StringContent(new JsonObject { ["__type"] = type, ["message"] = message }.ToJsonString(), Encoding.UTF8, KinesisClient.ContentType) };
    }
}
