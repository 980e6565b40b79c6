using System.Text;
using Game.Functions.Contracts;
using Game.Server.EventSources;
using Game.Server.Ingest;

namespace Game.Tests.EventSources;

/// <summary>Lambda's event-source rules, driven with a scripted function and fake time.</summary>
public sealed class ShardBatchProcessorTests
{
    private readonly InstantDelays _time = new(DateTimeOffset.Parse("2026-11-28T12:00:00Z"));
    private readonly List<IReadOnlyList<StreamRecord>> _invocations = [];
    private readonly List<FailedRecords> _failures = [];

    private static List<StreamRecord> Records(int count, DateTimeOffset arrival, Func<int, string>? partitionKey = null) =>
        Enumerable.Range(1, count)
            .Select(i => new StreamRecord(SequenceNumber.Format(0, i), partitionKey?.Invoke(i) ?? "p", Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), arrival))
            .ToList();

    private static int N(StreamRecord record) => (int)long.Parse(record.SequenceNumber[8..]);

    private ShardBatchProcessor Processor(EventSourceMappingOptions options, Func<IReadOnlyList<StreamRecord>, InvocationResult> function) =>
        new(options, new ScriptedTarget(this, function), _time);

    private Task<ProcessingSummary> ProcessAsync(ShardBatchProcessor processor, IReadOnlyList<StreamRecord> records) =>
        _time.RunAsync(processor.ProcessAsync(records, CancellationToken.None));

    private static InvocationResult Ok => new() { Succeeded = true };

    private static InvocationResult Error(string message = "boom") => new() { Error = message };

    [Fact]
    public async Task Process_FunctionSucceeds_InvokesOnceWithTheWholeBatchInOrder()
    {
        var records = Records(5, _time.GetUtcNow());

        var summary = await ProcessAsync(Processor(new EventSourceMappingOptions(), _ => Ok), records);

        Assert.Equal([records], _invocations);
        Assert.Equal(new ProcessingSummary(0, 0, 1), summary);
    }

    [Fact]
    public async Task Process_FunctionKeepsFailing_RetriesMaximumRetryAttemptsThenDeadLetters()
    {
        var records = Records(3, _time.GetUtcNow());
        var options = new EventSourceMappingOptions { MaximumRetryAttempts = 2, OnFailureDestination = "DeadLetters" };

        await ProcessAsync(Processor(options, _ => Error("kaput")), records);

        Assert.Equal(3, _invocations.Count);
        var failure = Assert.Single(_failures);
        Assert.Equal(records, failure.Records);
        Assert.Equal(FailedRecords.RetryAttemptsExhausted, failure.Condition);
        Assert.Equal("kaput", failure.Error);
        Assert.Equal(3, failure.Attempts);
    }

    [Fact]
    public async Task Process_FunctionFailsTwiceThenSucceeds_WaitsTheBackoffOnTheTimeProvider()
    {
        var records = Records(2, _time.GetUtcNow());
        var start = _time.GetUtcNow();
        var calls = 0;

        await ProcessAsync(Processor(new EventSourceMappingOptions(), _ => ++calls <= 2 ? Error() : Ok), records);

        Assert.Equal(3, _invocations.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(50 + 100), _time.GetUtcNow() - start);
        Assert.Empty(_failures);
    }

    [Fact]
    public async Task Process_InfiniteRetriesWithMaximumRecordAge_RetriesUntilTheRecordsExpire()
    {
        var records = Records(2, _time.GetUtcNow());
        var options = new EventSourceMappingOptions { MaximumRetryAttempts = -1, MaximumRecordAgeInSeconds = 60 };

        await ProcessAsync(Processor(options, _ => Error()), records);

        var failure = Assert.Single(_failures);
        Assert.Equal(FailedRecords.RecordAgeExceeded, failure.Condition);
        Assert.Equal(records, failure.Records);
        Assert.True(_time.GetUtcNow() - records[0].ArrivalTime > TimeSpan.FromSeconds(60));
        Assert.True(_invocations.Count > 5, $"{_invocations.Count} invocations");
    }

    [Fact]
    public async Task Process_BisectWithOnePoisonRecord_IsolatesItAndDeliversTheRestInOrder()
    {
        var records = Records(8, _time.GetUtcNow());
        var options = new EventSourceMappingOptions { BisectBatchOnFunctionError = true, MaximumRetryAttempts = 1, OnFailureDestination = "DeadLetters" };
        var delivered = new List<int>();

        await ProcessAsync(Processor(options, batch =>
        {
            if (batch.Any(r => N(r) == 5))
            {
                return Error("poison");
            }

            delivered.AddRange(batch.Select(N));
            return Ok;
        }), records);

        Assert.Equal([1, 2, 3, 4, 6, 7, 8], delivered);
        var failure = Assert.Single(_failures);
        Assert.Equal([5], failure.Records.Select(N));
        Assert.Equal(2, failure.Attempts);
    }

    [Fact]
    public async Task Process_ReportedItemFailure_RetriesFromTheFirstFailedRecordOnly()
    {
        var records = Records(6, _time.GetUtcNow());
        var options = new EventSourceMappingOptions { FunctionResponseTypes = [EventSourceMappingOptions.ReportBatchItemFailures] };
        var calls = 0;

        await ProcessAsync(Processor(options, batch => ++calls == 1
            ? new InvocationResult { FirstFailedSequenceNumber = records[2].SequenceNumber }
            : Ok), records);

        Assert.Equal([[1, 2, 3, 4, 5, 6], [3, 4, 5, 6]], _invocations.Select(b => b.Select(N).ToArray()));
        Assert.Empty(_failures);
    }

    [Fact]
    public async Task Process_ReportedItemFailureWithoutReportBatchItemFailures_IsIgnoredAsLambdaDoes()
    {
        var records = Records(4, _time.GetUtcNow());

        await ProcessAsync(Processor(new EventSourceMappingOptions(), _ => new InvocationResult { FirstFailedSequenceNumber = records[1].SequenceNumber }), records);

        Assert.Single(_invocations);
        Assert.Empty(_failures);
    }

    [Fact]
    public async Task Process_ParallelizationFactor_KeepsOrderPerPartitionKeyAndSplitsKeysOverLanes()
    {
        var records = Records(60, _time.GetUtcNow(), i => $"player-{i % 6}");
        var options = new EventSourceMappingOptions { ParallelizationFactor = 3 };
        var processor = Processor(options, _ => Ok);

        await ProcessAsync(processor, records);

        Assert.True(_invocations.Count > 1, "keys spread over more than one lane");
        Assert.Equal(60, _invocations.Sum(b => b.Count));
        foreach (var batch in _invocations)
        {
            Assert.Single(batch.Select(r => processor.Lane(r.PartitionKey)).Distinct());
            foreach (var key in batch.GroupBy(r => r.PartitionKey))
            {
                Assert.Equal(key.Select(N).Order(), key.Select(N));
            }
        }
    }

    [Fact]
    public async Task Process_FilterCriteria_InvokesOnlyMatchingRecordsIncludingMessagePackData()
    {
        var now = _time.GetUtcNow();
        var motion = MotionBatchCodec.Encode(new MotionBatch { GameId = "ABCDE", PlayerId = "p1", Seq = 1, Samples = [] });
        var other = MotionBatchCodec.Encode(new MotionBatch { GameId = "ZZZZZ", PlayerId = "p1", Seq = 2, Samples = [] });
        var records = new List<StreamRecord>
        {
            new(SequenceNumber.Format(0, 1), "p1", motion, now),
            new(SequenceNumber.Format(0, 2), "p1", other, now),
            new(SequenceNumber.Format(0, 3), "p1", "{\"gameId\":\"ABCDE\"}"u8.ToArray(), now),
            new(SequenceNumber.Format(0, 4), "p1", "not json"u8.ToArray(), now),
        };
        var options = new EventSourceMappingOptions { FilterCriteria = ["{\"data\":{\"gameId\":[\"ABCDE\"]}}"] };

        var summary = await ProcessAsync(Processor(options, _ => Ok), records);

        Assert.Equal([1, 3], Assert.Single(_invocations).Select(N));
        Assert.Equal(2, summary.FilteredOut);
    }

    /// <summary>The function as a script, and the on-failure destination as a list.</summary>
    private sealed class ScriptedTarget(ShardBatchProcessorTests test, Func<IReadOnlyList<StreamRecord>, InvocationResult> function) : IShardBatchTarget
    {
        public Task<InvocationResult> InvokeAsync(int lane, IReadOnlyList<StreamRecord> records, CancellationToken cancellationToken)
        {
            lock (test._invocations)
            {
                test._invocations.Add(records);
            }

            return Task.FromResult(function(records));
        }

        public Task DeliverFailureAsync(FailedRecords failed, CancellationToken cancellationToken)
        {
            lock (test._failures)
            {
                test._failures.Add(failed);
            }

            return Task.CompletedTask;
        }
    }
}
