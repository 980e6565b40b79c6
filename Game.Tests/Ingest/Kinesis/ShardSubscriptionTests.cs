using System.Formats.Cbor;
using System.Text;
using System.Text.Json;
using Amazon.Runtime.EventStreams;
using Game.Server.Hosting;
using Game.Server.Ingest;
using Game.Server.Ingest.Kinesis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.Ingest.Kinesis;

/// <summary>
/// SubscribeToShard's events in process, on fake time: woken by a commit (no time passes), heartbeats, the lifetime,
/// the takeover rule, SHARD_END, and the event-stream framing the events travel in.
/// </summary>
public sealed class ShardSubscriptionTests : IAsyncLifetime
{
    private const string StreamArn = "arn:aws:kinesis:us-east-1:000000000000:stream/motion";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "game-subscribe-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-02T05:00:00Z"));
    private readonly EnhancedFanOutOptions _fanOut = new() { ConsumerTransitionMilliseconds = 0, HeartbeatSeconds = 200, SubscriptionLifetimeSeconds = 300, TakeoverSeconds = 5 };
    private readonly IngestOptions _options = new() { ShardCount = 1 };
    private readonly CancellationTokenSource _aborted = new();
    private IngestStream _stream = null!;
    private KinesisOperations _operations = null!;
    private string _consumer = "";

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Game:DataDirectory"] = _directory }).Build();
        _stream = new IngestStream(Options.Create(_options), new DataDirectory(configuration), _time, NullLogger<IngestStream>.Instance);
        _operations = new KinesisOperations(_stream, Options.Create(_options), _time, _fanOut);
        var registered = await InvokeAsync("RegisterStreamConsumer", $$"""{"StreamARN":"{{StreamArn}}","ConsumerName":"reader"}""");
        _consumer = registered.GetProperty("Consumer").GetProperty("ConsumerARN").GetString()!;
    }

    public async Task DisposeAsync()
    {
        await _aborted.CancelAsync();
        await _stream.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Subscription_RecordCommitted_IsPushedWithoutAnyTimePassing()
    {
        await using var events = Subscribe("LATEST");
        Assert.Equal(SubscriptionEvent.InitialResponse, (await NextAsync(events)).Type);
        var first = Payload(await NextAsync(events));
        Assert.Equal(0, first.GetProperty("Records").GetArrayLength());
        var pending = NextAsync(events);

        var appended = await _stream.AppendAsync([new AppendRequest("player-1", Encoding.UTF8.GetBytes("pushed"))]);

        var pushed = Payload(await pending);
        var record = Assert.Single(pushed.GetProperty("Records").EnumerateArray());
        Assert.Equal("pushed", Encoding.UTF8.GetString(record.GetProperty("Data").GetBytesFromBase64()));
        Assert.Equal(appended[0].SequenceNumber, record.GetProperty("SequenceNumber").GetString());
        Assert.Equal(appended[0].SequenceNumber, pushed.GetProperty("ContinuationSequenceNumber").GetString());
        Assert.Equal(0, pushed.GetProperty("MillisBehindLatest").GetInt64());
        Assert.Equal(DateTimeOffset.Parse("2026-12-02T05:00:00Z"), _time.GetUtcNow());
    }

    [Fact]
    public async Task Subscription_QuietShard_HeartbeatsThenEndsAtItsLifetime()
    {
        await using var events = Subscribe("TRIM_HORIZON");
        await NextAsync(events);
        var first = Payload(await NextAsync(events));
        var pending = NextAsync(events);

        _time.Advance(TimeSpan.FromSeconds(200));
        var heartbeat = Payload(await pending);
        var ending = events.MoveNextAsync().AsTask();
        _time.Advance(TimeSpan.FromSeconds(100));

        Assert.Equal(0, heartbeat.GetProperty("Records").GetArrayLength());
        Assert.Equal(first.GetProperty("ContinuationSequenceNumber").GetString(), heartbeat.GetProperty("ContinuationSequenceNumber").GetString());
        Assert.False(await ending.WaitAsync(Guard));
    }

    [Fact]
    public async Task Subscription_RecordsWaitingAtItsLifetime_EndsAnyway()
    {
        await using var events = Subscribe("LATEST");
        await NextAsync(events);
        await NextAsync(events);
        _time.Advance(TimeSpan.FromSeconds(300));

        await _stream.AppendAsync([new AppendRequest("late", Encoding.UTF8.GetBytes("late"))]);

        // A busy shard never lets the subscription wait, so the lifetime must end it between events too.
        Assert.False(await events.MoveNextAsync().AsTask().WaitAsync(Guard));
    }

    [Fact]
    public async Task SubscribeToShard_AgainWithinTheTakeoverWindow_IsRefusedThenTakesOverAndEndsTheFirst()
    {
        await using var first = Subscribe("LATEST");
        await NextAsync(first);
        await NextAsync(first);
        var firstPending = NextAsync(first);

        var refused = Assert.Throws<KinesisException>(() => Subscribe("LATEST"));
        _time.Advance(TimeSpan.FromSeconds(5));
        await using var second = Subscribe("LATEST");

        Assert.Equal("ResourceInUseException", refused.ErrorType);
        var ended = await firstPending;
        Assert.True(ended.IsException);
        Assert.Equal("ResourceInUseException", ended.Type);
        Assert.False(await first.MoveNextAsync().AsTask().WaitAsync(Guard));
        Assert.Equal(SubscriptionEvent.InitialResponse, (await NextAsync(second)).Type);
    }

    [Fact]
    public async Task Subscription_ShardSplit_EndsWithChildShardsAndNoContinuation()
    {
        await _stream.AppendAsync([new AppendRequest("before", Encoding.UTF8.GetBytes("before"))]);
        await using var events = Subscribe("TRIM_HORIZON");
        await NextAsync(events);
        Assert.Equal(1, Payload(await NextAsync(events)).GetProperty("Records").GetArrayLength());
        var pending = NextAsync(events);

        await InvokeAsync("SplitShard", """{"StreamName":"motion","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"170141183460469231731687303715884105728"}""");

        var last = Payload(await pending);
        Assert.Equal(0, last.GetProperty("Records").GetArrayLength());
        Assert.False(last.TryGetProperty("ContinuationSequenceNumber", out _));
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], last.GetProperty("ChildShards").EnumerateArray().Select(c => c.GetProperty("ShardId").GetString()));
        Assert.False(await events.MoveNextAsync().AsTask().WaitAsync(Guard));
    }

    [Fact]
    public async Task DeregisterStreamConsumer_WhileSubscribed_EndsTheSubscriptionWithResourceNotFound()
    {
        await using var events = Subscribe("LATEST");
        await NextAsync(events);
        await NextAsync(events);
        var pending = NextAsync(events);

        await InvokeAsync("DeregisterStreamConsumer", $$"""{"ConsumerARN":"{{_consumer}}"}""");

        var ended = await pending;
        Assert.Equal(("ResourceNotFoundException", true), (ended.Type, ended.IsException));
        Assert.Equal($"Consumer {_consumer} was deregistered.", Payload(ended).GetProperty("message").GetString());
    }

    [Fact]
    public void Encode_RecordsEventInJson_IsAnEventStreamMessageTheSdkReads()
    {
        var json = """{"Records":[],"ContinuationSequenceNumber":"1","MillisBehindLatest":0}"""u8.ToArray();

        var bytes = KinesisApi.Encode(new SubscriptionEvent(SubscriptionEvent.RecordsEvent, json), cbor: false);

        var message = EventStreamMessage.FromBuffer(bytes, 0, bytes.Length);
        Assert.Equal("event", message.Headers[":message-type"].AsString());
        Assert.Equal("SubscribeToShardEvent", message.Headers[":event-type"].AsString());
        Assert.Equal("application/json", message.Headers[":content-type"].AsString());
        Assert.Equal(json, message.Payload);
    }

    [Fact]
    public void Encode_ExceptionInCbor_CarriesTheExceptionTypeAndACborBody()
    {
        var bytes = KinesisApi.Encode(new SubscriptionEvent("ResourceInUseException", """{"message":"taken over"}"""u8.ToArray(), IsException: true), cbor: true);

        var message = EventStreamMessage.FromBuffer(bytes, 0, bytes.Length);
        Assert.Equal("exception", message.Headers[":message-type"].AsString());
        Assert.Equal("ResourceInUseException", message.Headers[":exception-type"].AsString());
        Assert.Equal(KinesisCbor.ContentType, message.Headers[":content-type"].AsString());
        var reader = new CborReader(message.Payload);
        reader.ReadStartMap();
        Assert.Equal(("message", "taken over"), (reader.ReadTextString(), reader.ReadTextString()));
    }

    private IAsyncEnumerator<SubscriptionEvent> Subscribe(string type)
    {
        using var request = JsonDocument.Parse($$"""{"ConsumerARN":"{{_consumer}}","ShardId":"shardId-000000000000","StartingPosition":{"Type":"{{type}}"} }""");
        return _operations.SubscribeToShard(request.RootElement, "us-east-1").EventsAsync(_aborted.Token).GetAsyncEnumerator();
    }

    /// <summary>The next event; the real-time guard only turns a hang into a failure.</summary>
    private static async Task<SubscriptionEvent> NextAsync(IAsyncEnumerator<SubscriptionEvent> events)
    {
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Guard), "The subscription ended.");
        return events.Current;
    }

    private static JsonElement Payload(SubscriptionEvent subscriptionEvent) => JsonDocument.Parse(subscriptionEvent.Json).RootElement.Clone();

    private async Task<JsonElement> InvokeAsync(string operation, string json)
    {
        using var request = JsonDocument.Parse(json);
        var response = await _operations.InvokeAsync(operation, request.RootElement, "us-east-1");
        return JsonDocument.Parse(response).RootElement.Clone();
    }
}
