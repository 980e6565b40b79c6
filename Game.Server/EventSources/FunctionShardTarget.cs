using System.Diagnostics;
using Game.Functions.Contracts;
using Game.Functions.Runtime;

namespace Game.Server.EventSources;

/// <summary>
/// One shard of one mapping as seen from the function's side: invokes its <see cref="IFunctionShardGrain"/> per
/// lane within the function's reserved concurrency, records IteratorAge, and delivers what the mapping gave up on
/// to the dead letters (or drops it, counted, when the mapping has no on-failure destination).
/// </summary>
public sealed partial class FunctionShardTarget(
    string functionName,
    string streamName,
    string shardId,
    EventSourceMappingOptions options,
    IGrainFactory grains,
    FunctionConcurrency concurrency,
    Func<IDeadLetterStore> deadLetters,
    FunctionMetrics metrics,
    TimeProvider time,
    ILogger logger,
    ShardReadLag? lag = null) : IWindowedShardTarget
{
    private readonly TagList _tags = new() { { "function", functionName }, { "shard", shardId } };

    /// <summary>Invokes one lane's grain, waiting (and counting a throttle) while the function is at its concurrency limit.</summary>
    public async Task<InvocationResult> InvokeAsync(int lane, IReadOnlyList<StreamRecord> records, CancellationToken cancellationToken)
    {
        using var slot = await concurrency.EnterAsync(functionName, options.ReservedConcurrentExecutions, cancellationToken);
        RecordIteratorAge(records);
        return CountInvoked(records, await grains.GetFunctionShardGrain(FunctionShardKey.ForLane(functionName, shardId, lane))
            .Invoke(new ShardBatch(streamName, shardId, records)));
    }

    /// <summary>Invokes the window's function (always lane 0: a window's state is one per shard) with its records and state.</summary>
    public async Task<InvocationResult> InvokeWindowAsync(IReadOnlyList<StreamRecord> records, WindowInput window, CancellationToken cancellationToken)
    {
        using var slot = await concurrency.EnterAsync(functionName, options.ReservedConcurrentExecutions, cancellationToken);
        RecordIteratorAge(records);
        return CountInvoked(records, await grains.GetFunctionShardGrain(FunctionShardKey.ForLane(functionName, shardId, 0))
            .InvokeWindow(new ShardBatch(streamName, shardId, records), window));
    }

    public async Task DeliverFailureAsync(FailedRecords failed, CancellationToken cancellationToken)
    {
        LogGaveUp(logger, functionName, shardId, failed.Records.Count, failed.Condition, failed.Error ?? "");
        if (!options.KeepsDeadLetters)
        {
            if (options.CountsEvents)
            {
                metrics.DroppedEventCount.Add(failed.Records.Count, _tags);
            }

            return;
        }

        var now = time.GetUtcNow();
        await deadLetters().AddAsync(new DeadLetter
        {
            Id = $"{now.ToUnixTimeMilliseconds():D13}-{Guid.NewGuid():N}",
            FunctionName = functionName,
            StreamName = streamName,
            ShardId = shardId,
            StartSequenceNumber = failed.Records[0].SequenceNumber,
            EndSequenceNumber = failed.Records[^1].SequenceNumber,
            BatchSize = failed.Records.Count,
            Condition = failed.Condition,
            Error = failed.Error,
            Attempts = failed.Attempts,
            FailedAt = now,
            Records = failed.Records,
        }, cancellationToken);
        if (options.CountsEvents)
        {
            metrics.OnFailureDestinationDeliveredEventCount.Add(failed.Records.Count, _tags);
        }
    }

    /// <summary>InvokedEventCount and FailedInvokeEventCount, as Lambda exports them: only with the mapping's MetricsConfig EventCount.</summary>
    private InvocationResult CountInvoked(IReadOnlyList<StreamRecord> records, InvocationResult result)
    {
        if (options.CountsEvents)
        {
            var tags = new KeyValuePair<string, object?>("function", functionName);
            metrics.InvokedEventCount.Add(records.Count, tags);
            if (!result.Succeeded)
            {
                metrics.FailedInvokeEventCount.Add(records.Count, tags);
            }
        }

        return result;
    }

    /// <summary>
    /// Lambda's IteratorAge: at each invocation, retries included, how old the batch's last record is. It climbs
    /// while a failing batch (for example during a store outage) holds the shard. With a Kinesis source it is never
    /// less than the read's MillisBehindLatest plus the time since (<see cref="ShardReadLag"/>).
    /// </summary>
    private void RecordIteratorAge(IReadOnlyList<StreamRecord> records)
    {
        if (records.Count > 0)
        {
            var age = lag?.AgeOf(records[^1].ArrivalTime) ?? time.GetUtcNow() - records[^1].ArrivalTime;
            metrics.IteratorAge.Record(age.TotalMilliseconds, _tags);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} gave up on {Count} records of {ShardId} ({Condition}): {Error}")]
    private static partial void LogGaveUp(ILogger logger, string function, string shardId, int count, string condition, string error);
}
