using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Server.Ingest;
using Game.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Game.Tests.Runtime;

/// <summary>A real Orleans silo in this process, hosting test functions in <see cref="FunctionShardGrain"/>.</summary>
public sealed class FunctionSiloFixture : IAsyncLifetime
{
    private IHost? _host;

    public IGrainFactory Grains => _host!.Services.GetRequiredService<IGrainFactory>();

    public ConcurrentQueue<string> Logs { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        // REPORT lines are logged at Debug (the console is not their place; docs/api.md#logs): this filter beats the
        // Default level that the copied appsettings.json sets, so the tests below can read them.
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Debug).AddFilter("Game.Functions", LogLevel.Debug).AddProvider(new ListLoggerProvider(Logs));
        builder.UseOrleans(silo => silo.UseLocalhostClustering(ServerProcess.FreePort(), ServerProcess.FreePort(), null, "runtime-tests", "runtime-" + Guid.NewGuid().ToString("N")[..8]));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<FunctionMetrics>();
        builder.Services.AddSingleton(new FunctionRegistration(RecordingFunction.Name, typeof(RecordingFunction), TimeSpan.FromSeconds(3)));
        builder.Services.AddSingleton(new FunctionRegistration(SlowFunction.Name, typeof(SlowFunction), TimeSpan.FromMilliseconds(300)));
        builder.Services.AddSingleton(new FunctionRegistration(FailingItemsFunction.Name, typeof(FailingItemsFunction), TimeSpan.FromSeconds(3)));
        builder.Services.AddSingleton<FunctionCatalog>();
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    private sealed class ListLoggerProvider(ConcurrentQueue<string> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(logs, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class ListLogger(ConcurrentQueue<string> logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => category.StartsWith("Game.", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Enqueue(formatter(state, exception));
    }
}

/// <summary>Remembers every event it receives, as the JSON Lambda would have sent.</summary>
public sealed class RecordingFunction : IKinesisFunction
{
    public const string Name = "recording";

    public static readonly ConcurrentQueue<string> Events = new();

    public static int Constructions;

    public RecordingFunction() => Interlocked.Increment(ref Constructions);

    public Task<StreamsEventResponse> FunctionHandler(KinesisEvent kinesisEvent, ILambdaContext context)
    {
        Events.Enqueue(JsonSerializer.Serialize(kinesisEvent));
        return Task.FromResult(new StreamsEventResponse());
    }
}

/// <summary>Takes far longer than its 300 ms timeout.</summary>
public sealed class SlowFunction : IKinesisFunction
{
    public const string Name = "slow";

    public async Task<StreamsEventResponse> FunctionHandler(KinesisEvent kinesisEvent, ILambdaContext context)
    {
        await Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None);
        return new StreamsEventResponse();
    }
}

/// <summary>Reports as failed every record whose data is "fail", or an identifier that names no record when told to.</summary>
public sealed class FailingItemsFunction : IKinesisFunction
{
    public const string Name = "failing-items";

    public Task<StreamsEventResponse> FunctionHandler(KinesisEvent kinesisEvent, ILambdaContext context) =>
        Task.FromResult(new StreamsEventResponse
        {
            BatchItemFailures = kinesisEvent.Records
                .Where(r => Encoding.UTF8.GetString(r.Kinesis.Data) is "fail" or "bogus")
                .Select(r => new StreamsEventResponse.BatchItemFailure
                {
                    ItemIdentifier = Encoding.UTF8.GetString(r.Kinesis.Data) == "bogus" ? "no-such-record" : r.Kinesis.SequenceNumber,
                })
                .ToList(),
        });
}

public sealed class FunctionRuntimeTests(FunctionSiloFixture silo) : IClassFixture<FunctionSiloFixture>
{
    private const string Shard = "shardId-000000000001";

    private static ShardBatch Batch(params string[] data) => new(
        "motion",
        Shard,
        data.Select((d, i) => new StreamRecord(SequenceNumber.Format(1, i + 1), $"key-{i}", Encoding.UTF8.GetBytes(d), DateTimeOffset.FromUnixTimeMilliseconds(1_764_331_200_123))).ToList());

    [Fact]
    public async Task Invoke_Batch_HandsTheFunctionLambdasKinesisEventShape()
    {
        var result = await silo.Grains.GetFunctionShardGrain(new FunctionShardKey(RecordingFunction.Name, Shard, "shape")).Invoke(Batch("hello"));

        Assert.True(result.Succeeded);
        using var json = JsonDocument.Parse(RecordingFunction.Events.Last());
        var record = json.RootElement.GetProperty("Records")[0];
        Assert.Equal("aws:kinesis", record.GetProperty("eventSource").GetString());
        Assert.Equal("aws:kinesis:record", record.GetProperty("eventName").GetString());
        Assert.Equal("1.0", record.GetProperty("eventVersion").GetString());
        Assert.Equal($"shardId-000000000001:{SequenceNumber.Format(1, 1)}", record.GetProperty("eventID").GetString());
        Assert.Equal("arn:aws:kinesis:local:000000000000:stream/motion", record.GetProperty("eventSourceARN").GetString());
        var kinesis = record.GetProperty("kinesis");
        Assert.Equal("1.0", kinesis.GetProperty("kinesisSchemaVersion").GetString());
        Assert.Equal("key-0", kinesis.GetProperty("partitionKey").GetString());
        Assert.Equal(Convert.ToBase64String("hello"u8), kinesis.GetProperty("data").GetString());
        Assert.Equal(1_764_331_200.123, kinesis.GetProperty("approximateArrivalTimestamp").GetDouble(), 3);
    }

    [Fact]
    public async Task Invoke_ColdThenWarm_InitRunsOnceAndOnlyTheFirstReportHasInitDuration()
    {
        var grain = silo.Grains.GetFunctionShardGrain(new FunctionShardKey(RecordingFunction.Name, Shard, "warm"));
        var before = RecordingFunction.Constructions;

        var first = await grain.Invoke(Batch("a"));
        var second = await grain.Invoke(Batch("b"));

        Assert.Equal(before + 1, RecordingFunction.Constructions);
        var firstReport = Assert.Single(silo.Logs, l => l.Contains($"REPORT RequestId: {first.RequestId}", StringComparison.Ordinal));
        var secondReport = Assert.Single(silo.Logs, l => l.Contains($"REPORT RequestId: {second.RequestId}", StringComparison.Ordinal));
        Assert.Contains("Init Duration:", firstReport);
        Assert.DoesNotContain("Init Duration:", secondReport);
        Assert.Contains("Billed Duration:", secondReport);
    }

    [Fact]
    public async Task Invoke_FunctionOverruns_TimesOutAsAnError()
    {
        var result = await silo.Grains.GetFunctionShardGrain(FunctionShardKey.ForLane(SlowFunction.Name, Shard, 0)).Invoke(Batch("x"));

        Assert.False(result.Succeeded);
        Assert.Equal("Task timed out after 0.30 seconds", result.Error);
        Assert.InRange(result.Duration, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Invoke_ReportedItemFailures_AnswerTheLowestFailedSequenceNumber()
    {
        var result = await silo.Grains.GetFunctionShardGrain(FunctionShardKey.ForLane(FailingItemsFunction.Name, Shard, 0)).Invoke(Batch("ok", "ok", "fail", "ok", "fail"));

        Assert.False(result.Succeeded);
        Assert.Null(result.Error);
        Assert.Equal(SequenceNumber.Format(1, 3), result.FirstFailedSequenceNumber);
    }

    [Fact]
    public async Task Invoke_ItemFailureNamingNoRecord_FailsTheWholeBatch()
    {
        var result = await silo.Grains.GetFunctionShardGrain(FunctionShardKey.ForLane(FailingItemsFunction.Name, Shard, 1)).Invoke(Batch("ok", "bogus"));

        Assert.Equal(SequenceNumber.Format(1, 1), result.FirstFailedSequenceNumber);
    }
}
