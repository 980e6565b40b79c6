using System.Diagnostics;
using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Server.EventSources.Leases;
using Game.Server.Ingest;
using Microsoft.Extensions.Options;

namespace Game.Server.EventSources;

/// <summary>
/// A function's event source mapping on the stream: one reader per shard that waits for records (woken on
/// append, not polling), gathers a batch (BatchSize, MaximumBatchingWindowInSeconds), hands it to the
/// <see cref="ShardBatchProcessor"/> for Lambda's retry rules, and moves the shard's checkpoint only once every
/// record of the batch succeeded, was filtered out or went to the on-failure destination.
/// </summary>
public sealed partial class ShardPoller(
    string functionName,
    IngestStream stream,
    IShardLeaseStore leases,
    IServiceProvider services,
    IGrainFactory grains,
    FunctionConcurrency concurrency,
    IOptionsMonitor<EventSourceMappingOptions> optionsMonitor,
    FunctionMetrics metrics,
    TimeProvider time,
    ILogger<ShardPoller> logger) : BackgroundService
{
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>No checkpoint in flight.</summary>
    private static readonly Task<long> NoCheckpoint = Task.FromResult(-1L);

    /// <summary>This poller as a lease owner: unique per process and instance, readable in the store.</summary>
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, stream.Map.ShardCount).Select(shard => Task.Run(() => PollShardAsync(shard, stoppingToken), stoppingToken)));

    private async Task PollShardAsync(int shard, CancellationToken cancellationToken)
    {
        var shardId = ShardMap.ShardId(shard);
        var leaseKey = $"{functionName}/{stream.Name}/{shardId}";
        var options = optionsMonitor.Get(functionName);
        var tags = new TagList { { "function", functionName }, { "shard", shardId } };
        var windowSize = TimeSpan.FromSeconds(options.TumblingWindowInSeconds);
        TumblingWindow? window = null;
        var processor = new ShardBatchProcessor(
            options,
            (lane, records, ct) => window is null
                ? InvokeAsync(shardId, lane, records, options, ct)
                : InvokeWindowAsync(shardId, records, window, options, ct),
            (failed, ct) => DeliverFailureAsync(shardId, failed, options, ct),
            (delay, ct) => Task.Delay(delay, time, ct),
            time);
        var retryDelay = MinRetryDelay;
        long position = -1;
        long checkpointed = -1;
        long? leaseCounter = null;
        // The last batch's checkpoint, still being written while the next batch runs (at most one in flight, in order).
        var pendingCheckpoint = NoCheckpoint;

        // Waits for the checkpoint in flight, if any; afterwards `checkpointed` is the last position known to be written.
        async Task LandCheckpointAsync()
        {
            if (await pendingCheckpoint is var written && written >= 0)
            {
                checkpointed = written;
            }

            pendingCheckpoint = NoCheckpoint;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (leaseCounter is null)
                {
                    // Taken once per reader: taking it again after every store error would fence ourselves
                    // and steal the shard back from a newer owner.
                    var lease = await leases.AcquireLeaseAsync(leaseKey, _owner, cancellationToken);
                    leaseCounter = lease.LeaseCounter;
                    position = checkpointed = StartPosition(shard, lease.Checkpoint, options);
                }

                if (stream.LatestPosition(shard) <= position)
                {
                    // Nothing to read yet: let the last checkpoint land first, so that a lost lease shows now
                    // rather than whenever the next record comes.
                    await LandCheckpointAsync();
                }

                if (!await WaitForRecordsAsync(shard, position, window, cancellationToken))
                {
                    // The open window's end passed with no newer record: close it now, not when one comes.
                    await CloseWindowAsync(shardId, window!, options, cancellationToken);
                    window = null;
                    continue;
                }

                await WaitForBatchingWindowAsync(shard, position, options, cancellationToken);
                var records = stream.Read(shard, position, options.BatchSize);
                metrics.PolledEventCount.Add(records.Count, tags);

                if (windowSize == TimeSpan.Zero)
                {
                    var summary = await processor.ProcessAsync(records, cancellationToken);
                    metrics.FilteredOutEventCount.Add(summary.FilteredOut, tags);
                }
                else
                {
                    // Records arrive in order, so each window's records are one run of the batch.
                    foreach (var run in records.GroupBy(r => TumblingWindow.StartOf(r.ArrivalTime, windowSize)))
                    {
                        if (window is not null && window.Start != run.Key)
                        {
                            await CloseWindowAsync(shardId, window, options, cancellationToken);
                            window = null;
                        }

                        window ??= new TumblingWindow(run.Key, windowSize);
                        var summary = await processor.ProcessAsync(run.ToList(), cancellationToken);
                        metrics.FilteredOutEventCount.Add(summary.FilteredOut, tags);
                        if (window.StateTooLarge)
                        {
                            await CloseWindowAsync(shardId, window, options, cancellationToken, terminatedEarly: true);
                            window = null;
                        }
                    }
                }

                // The checkpoint is written while the next batch is read and processed, not before: a crash before
                // it is durable only means that batch is processed again, which the scores' exactly-once makes
                // harmless; waiting for it cost every batch one more commit on the store.
                await LandCheckpointAsync();
                SequenceNumber.TryParse(records[^1].SequenceNumber, out _, out position);
                pendingCheckpoint = CheckpointAsync(leaseKey, records[^1].SequenceNumber, position, leaseCounter.Value);
                if (windowSize != TimeSpan.Zero)
                {
                    // A window's state already holds these records: going back past them after a store error
                    // would count them twice, so with windows the checkpoint lands before the next read.
                    await LandCheckpointAsync();
                }

                retryDelay = MinRetryDelay;
                continue;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await FinishCheckpointAsync(pendingCheckpoint);
                return;
            }
            catch (LeaseLostException ex)
            {
                // Another processor holds the shard now; reading on would only duplicate its work.
                LogLeaseLost(logger, functionName, shardId, ex.LeaseCounter);
                return;
            }
            catch (Exception ex)
            {
                // The store or the silo is unavailable: go back to the last checkpoint known to be written and
                // re-read from it later (what came after is processed again, exactly once in effect).
                LogPollFailed(logger, ex, functionName, shardId);
                position = checkpointed;
                pendingCheckpoint = NoCheckpoint;
            }

            try
            {
                await Task.Delay(retryDelay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, MaxRetryDelay.Ticks));
        }

        await FinishCheckpointAsync(pendingCheckpoint);
    }

    /// <summary>Writes a checkpoint; answers the position it stands for once durable.</summary>
    private async Task<long> CheckpointAsync(string leaseKey, string sequenceNumber, long position, long leaseCounter)
    {
        // Not cancelled with the reader: on shutdown the last checkpoint should still land (FinishCheckpointAsync).
        await leases.SetCheckpointAsync(leaseKey, sequenceNumber, leaseCounter, CancellationToken.None);
        return position;
    }

    /// <summary>On shutdown, lets the last checkpoint land (so a restart does not redo the batch) without waiting on a dead store for long.</summary>
    private static async Task FinishCheckpointAsync(Task<long> pendingCheckpoint)
    {
        try
        {
            await pendingCheckpoint.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // Not written: the batch after the last written checkpoint is processed again on restart.
        }
    }

    /// <summary>Invokes one lane's grain, waiting (and counting a throttle) while the function is at its concurrency limit.</summary>
    private async Task<InvocationResult> InvokeAsync(string shardId, int lane, IReadOnlyList<StreamRecord> records, EventSourceMappingOptions options, CancellationToken cancellationToken)
    {
        using var slot = await concurrency.EnterAsync(functionName, options.ReservedConcurrentExecutions, cancellationToken);
        RecordIteratorAge(shardId, records);
        var grain = grains.GetGrain<IFunctionShardGrain>($"{functionName}/{shardId}/{lane}");
        return await grain.Invoke(new ShardBatch(stream.Name, shardId, records));
    }

    /// <summary>
    /// Lambda's IteratorAge: at each invocation, retries included, how old the batch's last record is. It climbs
    /// while a failing batch (for example during a store outage) holds the shard.
    /// </summary>
    private void RecordIteratorAge(string shardId, IReadOnlyList<StreamRecord> records)
    {
        if (records.Count > 0)
        {
            metrics.IteratorAge.Record((time.GetUtcNow() - records[^1].ArrivalTime).TotalMilliseconds,
                new TagList { { "function", functionName }, { "shard", shardId } });
        }
    }

    /// <summary>Invokes the window's function with its records and state, and keeps the state it answers.</summary>
    private async Task<InvocationResult> InvokeWindowAsync(string shardId, IReadOnlyList<StreamRecord> records, TumblingWindow window, EventSourceMappingOptions options, CancellationToken cancellationToken)
    {
        using var slot = await concurrency.EnterAsync(functionName, options.ReservedConcurrentExecutions, cancellationToken);
        RecordIteratorAge(shardId, records);
        var result = await grains.GetGrain<IFunctionShardGrain>($"{functionName}/{shardId}/0")
            .InvokeWindow(new ShardBatch(stream.Name, shardId, records), new WindowInput(window.Start, window.End, window.State, IsFinal: false, TerminatedEarly: false));
        if (result.Error is null && result.WindowState is { } state)
        {
            window.State = state;
        }

        return result;
    }

    /// <summary>The window's final invocation: no records, the state to aggregate; retried until it succeeds.</summary>
    private async Task CloseWindowAsync(string shardId, TumblingWindow window, EventSourceMappingOptions options, CancellationToken cancellationToken, bool terminatedEarly = false)
    {
        var grain = grains.GetGrain<IFunctionShardGrain>($"{functionName}/{shardId}/0");
        var delay = MinRetryDelay;
        for (var attempt = 0; ; attempt++)
        {
            using (await concurrency.EnterAsync(functionName, options.ReservedConcurrentExecutions, cancellationToken))
            {
                var result = await grain.InvokeWindow(
                    new ShardBatch(stream.Name, shardId, []),
                    new WindowInput(window.Start, window.End, window.State, IsFinal: true, TerminatedEarly: terminatedEarly));
                if (result.Succeeded || (options.MaximumRetryAttempts >= 0 && attempt >= options.MaximumRetryAttempts))
                {
                    return;
                }
            }

            await Task.Delay(delay, time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    /// <summary>Waits for a record after <paramref name="position"/>; false when an open window's end passes first.</summary>
    private async Task<bool> WaitForRecordsAsync(int shard, long position, TumblingWindow? window, CancellationToken cancellationToken)
    {
        if (window is null)
        {
            await stream.WaitForRecordsAsync(shard, position, cancellationToken);
            return true;
        }

        var left = window.End - time.GetUtcNow();
        if (left <= TimeSpan.Zero)
        {
            return stream.LatestPosition(shard) > position;
        }

        using var until = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        until.CancelAfter(left);
        try
        {
            await stream.WaitForRecordsAsync(shard, position, until.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task DeliverFailureAsync(string shardId, FailedRecords failed, EventSourceMappingOptions options, CancellationToken cancellationToken)
    {
        var tags = new TagList { { "function", functionName }, { "shard", shardId } };
        LogGaveUp(logger, functionName, shardId, failed.Records.Count, failed.Condition, failed.Error ?? "");
        if (!options.KeepsDeadLetters)
        {
            metrics.DroppedEventCount.Add(failed.Records.Count, tags);
            return;
        }

        var now = time.GetUtcNow();
        await services.GetRequiredService<IDeadLetterStore>().AddAsync(new DeadLetter
        {
            Id = $"{now.ToUnixTimeMilliseconds():D13}-{Guid.NewGuid():N}",
            FunctionName = functionName,
            StreamName = stream.Name,
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
        metrics.OnFailureDestinationDeliveredEventCount.Add(failed.Records.Count, tags);
    }

    /// <summary>With a batching window, waits until the batch is full or the window has passed since the first record.</summary>
    private async Task WaitForBatchingWindowAsync(int shard, long position, EventSourceMappingOptions options, CancellationToken cancellationToken)
    {
        if (options.MaximumBatchingWindowInSeconds <= 0)
        {
            return;
        }

        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(TimeSpan.FromSeconds(options.MaximumBatchingWindowInSeconds));
        try
        {
            while (stream.LatestPosition(shard) - position < options.BatchSize)
            {
                await stream.WaitForRecordsAsync(shard, stream.LatestPosition(shard), window.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The window closed: invoke with what there is.
        }
    }

    /// <summary>Where to read from: after the checkpoint, or the mapping's starting position when there is none.</summary>
    private long StartPosition(int shard, string? checkpoint, EventSourceMappingOptions options)
    {
        if (SequenceNumber.TryParse(checkpoint, out _, out var position))
        {
            return position;
        }

        return options.StartingPosition switch
        {
            StartingPosition.LATEST => stream.LatestPosition(shard),
            StartingPosition.AT_TIMESTAMP => stream.PositionBefore(shard, options.StartingPositionTimestamp!.Value),
            _ => stream.TrimHorizon(shard),
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} lost the lease of {ShardId} (held with counter {LeaseCounter}) to another processor; this reader stops")]
    private static partial void LogLeaseLost(ILogger logger, string function, string shardId, long leaseCounter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} gave up on {Count} records of {ShardId} ({Condition}): {Error}")]
    private static partial void LogGaveUp(ILogger logger, string function, string shardId, int count, string condition, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling {ShardId} for {Function} failed; retrying from the checkpoint")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string function, string shardId);
}
