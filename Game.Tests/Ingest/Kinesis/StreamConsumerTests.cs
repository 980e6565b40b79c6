using System.Text.Json;
using Game.Server.Hosting;
using Game.Server.Ingest;
using Game.Server.Ingest.Kinesis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.Ingest.Kinesis;

/// <summary>
/// Stream consumers in process, on fake time: the states' exact timing (CREATING → ACTIVE, DELETING → gone), what
/// a consumer that is not ACTIVE may do, ARNs that never repeat, and consumers kept across a restart.
/// </summary>
public sealed class StreamConsumerTests : IAsyncLifetime
{
    private const string StreamArn = "arn:aws:kinesis:us-east-1:000000000000:stream/motion";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "game-consumers-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-02T05:00:00.250Z"));
    private readonly EnhancedFanOutOptions _fanOut = new() { ConsumerTransitionMilliseconds = 500 };
    private readonly IngestOptions _options = new() { ShardCount = 1 };
    private DataDirectory _data = null!;
    private IngestStream _stream = null!;
    private KinesisOperations _operations = null!;

    public Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Game:DataDirectory"] = _directory }).Build();
        _data = new DataDirectory(configuration);
        _stream = new IngestStream(Options.Create(_options), _data, _time, NullLogger<IngestStream>.Instance);
        _operations = new KinesisOperations(_stream, Options.Create(_options), _time, _fanOut);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stream.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task RegisterStreamConsumer_ThenTime_IsCreatingForTheTransitionThenActive()
    {
        var registered = await InvokeAsync("RegisterStreamConsumer", $$"""{"StreamARN":"{{StreamArn}}","ConsumerName":"reader"}""");
        var arn = registered.GetProperty("Consumer").GetProperty("ConsumerARN").GetString();

        Assert.Equal("CREATING", registered.GetProperty("Consumer").GetProperty("ConsumerStatus").GetString());
        Assert.Equal($"{StreamArn}/consumer/reader:{_time.GetUtcNow().ToUnixTimeSeconds()}", arn);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0, registered.GetProperty("Consumer").GetProperty("ConsumerCreationTimestamp").GetDouble());
        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Equal("CREATING", await StatusAsync(arn!));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("ACTIVE", await StatusAsync(arn!));
    }

    [Fact]
    public async Task DeregisterStreamConsumer_ThenTime_IsDeletingForTheTransitionThenGone()
    {
        var arn = await ActiveConsumerAsync("leaving");

        await InvokeAsync("DeregisterStreamConsumer", $$"""{"ConsumerARN":"{{arn}}"}""");

        Assert.Equal("DELETING", await StatusAsync(arn));
        Assert.Equal(1, (await InvokeAsync("DescribeStreamSummary", """{"StreamName":"motion"}""")).GetProperty("StreamDescriptionSummary").GetProperty("ConsumerCount").GetInt32());
        var again = await Assert.ThrowsAsync<KinesisException>(() => InvokeAsync("DeregisterStreamConsumer", $$"""{"ConsumerARN":"{{arn}}"}"""));
        Assert.Equal("ResourceInUseException", again.ErrorType);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        var gone = await Assert.ThrowsAsync<KinesisException>(() => StatusAsync(arn));
        Assert.Equal("ResourceNotFoundException", gone.ErrorType);
        Assert.Equal(0, (await InvokeAsync("ListStreamConsumers", $$"""{"StreamARN":"{{StreamArn}}"}""")).GetProperty("Consumers").GetArrayLength());
    }

    [Fact]
    public async Task SubscribeToShard_ConsumerStillCreating_IsResourceInUse()
    {
        var registered = await InvokeAsync("RegisterStreamConsumer", $$"""{"StreamARN":"{{StreamArn}}","ConsumerName":"eager"}""");
        var arn = registered.GetProperty("Consumer").GetProperty("ConsumerARN").GetString();

        var error = Assert.Throws<KinesisException>(() => Subscribe(arn!, "LATEST"));

        Assert.Equal("ResourceInUseException", error.ErrorType);
        Assert.Equal($"Consumer {arn} is CREATING, not ACTIVE: wait for DescribeStreamConsumer to answer ACTIVE.", error.Message);
    }

    [Fact]
    public async Task RegisterStreamConsumer_SameNameInTheSameSecondAfterDeletion_GetsAnotherArn()
    {
        var registered = await InvokeAsync("RegisterStreamConsumer", $$"""{"StreamARN":"{{StreamArn}}","ConsumerName":"again"}""");
        var first = registered.GetProperty("Consumer").GetProperty("ConsumerARN").GetString()!;
        await InvokeAsync("DeregisterStreamConsumer", $$"""{"ConsumerARN":"{{first}}"}""");
        _time.Advance(TimeSpan.FromMilliseconds(500));
        var epoch = long.Parse(first.Split(':')[^1]);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds(), epoch);

        var second = await ActiveConsumerAsync("again");

        Assert.Equal($"{StreamArn}/consumer/again:{epoch + 1}", second);
        var old = await Assert.ThrowsAsync<KinesisException>(() => StatusAsync(first));
        Assert.Equal("ResourceNotFoundException", old.ErrorType);
    }

    [Fact]
    public async Task Consumers_AfterARestart_AreStillRegisteredWithTheirArns()
    {
        var arn = await ActiveConsumerAsync("durable");
        var leaving = await ActiveConsumerAsync("leaving");
        await InvokeAsync("DeregisterStreamConsumer", $$"""{"ConsumerARN":"{{leaving}}"}""");

        // A second catalog over the same folder reads streams.db afresh, as a restarted server does.
        var restarted = new KinesisOperations(new IngestStreams(_stream, Options.Create(_options), _data, _time, NullLoggerFactory.Instance), Options.Create(_options), _time, _fanOut);
        using var request = JsonDocument.Parse($$"""{"StreamARN":"{{StreamArn}}"}""");
        using var listed = JsonDocument.Parse(await restarted.InvokeAsync("ListStreamConsumers", request.RootElement, "us-east-1"));

        var consumer = Assert.Single(listed.RootElement.GetProperty("Consumers").EnumerateArray());
        Assert.Equal(arn, consumer.GetProperty("ConsumerARN").GetString());
        Assert.Equal("ACTIVE", consumer.GetProperty("ConsumerStatus").GetString());
    }

    [Fact]
    public async Task RegisterStreamConsumer_TwentyFirst_IsLimitExceededUntilOneIsGone()
    {
        for (var i = 0; i < EnhancedFanOutOptions.MaxConsumersPerStream; i++)
        {
            await InvokeAsync("RegisterStreamConsumer", $$"""{"StreamARN":"{{StreamArn}}","ConsumerName":"c{{i}}"}""");
        }

        var error = await Assert.ThrowsAsync<KinesisException>(() => InvokeAsync("RegisterStreamConsumer", $$"""{"StreamARN":"{{StreamArn}}","ConsumerName":"extra"}"""));
        Assert.Equal("LimitExceededException", error.ErrorType);
        await InvokeAsync("DeregisterStreamConsumer", $$"""{"StreamARN":"{{StreamArn}}","ConsumerName":"c0"}""");
        // DELETING still counts, as on Kinesis, until it is gone.
        await Assert.ThrowsAsync<KinesisException>(() => InvokeAsync("RegisterStreamConsumer", $$"""{"StreamARN":"{{StreamArn}}","ConsumerName":"extra"}"""));
        _time.Advance(TimeSpan.FromMilliseconds(500));

        var registered = await InvokeAsync("RegisterStreamConsumer", $$"""{"StreamARN":"{{StreamArn}}","ConsumerName":"extra"}""");

        Assert.Equal("extra", registered.GetProperty("Consumer").GetProperty("ConsumerName").GetString());
    }

    [Fact]
    public async Task ConsumerArn_OfAnotherAccountOrMalformed_IsRefusedAsKinesisRefusesIt()
    {
        var arn = await ActiveConsumerAsync("guarded");

        var foreign = await Assert.ThrowsAsync<KinesisException>(() => StatusAsync(arn.Replace("000000000000", "123456789012")));
        var malformed = await Assert.ThrowsAsync<KinesisException>(() => StatusAsync(StreamArn + "/consumer/guarded"));
        var otherRegion = await Assert.ThrowsAsync<KinesisException>(() => StatusAsync(arn.Replace("us-east-1", "eu-west-1")));

        Assert.Equal("AccessDeniedException", foreign.ErrorType);
        Assert.Equal("ValidationException", malformed.ErrorType);
        Assert.Equal("InvalidArgumentException", otherRegion.ErrorType);
    }

    private async Task<string> ActiveConsumerAsync(string name)
    {
        var registered = await InvokeAsync("RegisterStreamConsumer", $$"""{"StreamARN":"{{StreamArn}}","ConsumerName":"{{name}}"}""");
        _time.Advance(_fanOut.ConsumerTransition);
        return registered.GetProperty("Consumer").GetProperty("ConsumerARN").GetString()!;
    }

    private async Task<string?> StatusAsync(string consumerArn) =>
        (await InvokeAsync("DescribeStreamConsumer", $$"""{"ConsumerARN":"{{consumerArn}}"}""")).GetProperty("ConsumerDescription").GetProperty("ConsumerStatus").GetString();

    private ShardSubscription Subscribe(string consumerArn, string type)
    {
        using var request = JsonDocument.Parse($$"""{"ConsumerARN":"{{consumerArn}}","ShardId":"shardId-000000000000","StartingPosition":{"Type":"{{type}}"} }""");
        return _operations.SubscribeToShard(request.RootElement, "us-east-1");
    }

    private async Task<JsonElement> InvokeAsync(string operation, string json)
    {
        using var request = JsonDocument.Parse(json);
        var response = await _operations.InvokeAsync(operation, request.RootElement, "us-east-1");
        return JsonDocument.Parse(response).RootElement.Clone();
    }
}
