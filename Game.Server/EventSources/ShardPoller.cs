using System.Diagnostics;
using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Server.Ingest;
using Microsoft.Extensions.Options;

namespace Game.Server.EventSources;

/// <summary>
/// Feeds each shard of the stream to a function grain, in order and in batches, the way Lambda's event source
/// mapping does: read after the checkpoint, invoke, and move the checkpoint only once the batch succeeded.
/// Woken by the stream on append, so a record reaches its function in milliseconds.
/// </summary>
public sealed partial class ShardPoller(
    string functionName,
    IngestStream stream,
    IGameStore store,
    IGrainFactory grains,
    IOptionsMonitor<EventSourceMappingOptions> options,
    FunctionMetrics metrics,
    TimeProvider time,
    ILogger<ShardPoller> logger) : BackgroundService
{
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>This poller as a lease owner: unique per process and instance, readable in the store.</summary>
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, stream.Map.ShardCount).Select(shard => Task.Run(() => PollShardAsync(shard, stoppingToken), stoppingToken)));

    private async Task PollShardAsync(int shard, CancellationToken cancellationToken)
    {
        var shardId = ShardMap.ShardId(shard);
        var leaseKey = $"{functionName}/{stream.Name}/{shardId}";
        var grain = grains.GetGrain<IFunctionShardGrain>($"{functionName}/{shardId}");
        var retryDelay = MinRetryDelay;
        var tags = new TagList { { "function", functionName }, { "shard", shardId } };
        long position = -1;
        long leaseCounter = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (position < 0)
                {
                    (position, leaseCounter) = await StartPositionAsync(shard, leaseKey, cancellationToken);
                }

                await stream.WaitForRecordsAsync(shard, position, cancellationToken);
                var records = stream.Read(shard, position, options.Get(functionName).BatchSize);
                metrics.PolledEventCount.Add(records.Count, tags);
                metrics.IteratorAge.Record((time.GetUtcNow() - records[^1].ArrivalTime).TotalMilliseconds, tags);
                var result = await grain.Invoke(new ShardBatch(stream.Name, shardId, records));
                var done = result switch
                {
                    { Succeeded: true } => records[^1].SequenceNumber,
                    { FirstFailedSequenceNumber: { } failed } => records.TakeWhile(r => r.SequenceNumber != failed).LastOrDefault()?.SequenceNumber,
                    _ => null,
                };

                if (done is not null)
                {
                    await store.SetCheckpointAsync(leaseKey, done, leaseCounter, cancellationToken);
                    SequenceNumber.TryParse(done, out _, out position);
                }

                if (result.Succeeded)
                {
                    retryDelay = MinRetryDelay;
                    continue;
                }

                LogBatchFailed(logger, functionName, shardId, result.Error ?? $"failed from {result.FirstFailedSequenceNumber}");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
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
                // The store or the silo is unavailable: keep the checkpoint where it is and try again later.
                LogPollFailed(logger, ex, functionName, shardId);
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
    }

    /// <summary>Acquires the shard's lease (fencing any earlier holder) and answers where to read from, with the lease's counter.</summary>
    private async Task<(long Position, long LeaseCounter)> StartPositionAsync(int shard, string leaseKey, CancellationToken cancellationToken)
    {
        var lease = await store.AcquireLeaseAsync(leaseKey, _owner, cancellationToken);
        if (SequenceNumber.TryParse(lease.Checkpoint, out _, out var position))
        {
            return (position, lease.LeaseCounter);
        }

        return (options.Get(functionName).StartingPosition == StartingPosition.LATEST
            ? stream.LatestPosition(shard)
            : stream.TrimHorizon(shard), lease.LeaseCounter);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} failed a batch of {ShardId}: {Error}; retrying")]
    private static partial void LogBatchFailed(ILogger logger, string function, string shardId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} lost the lease of {ShardId} (held with counter {LeaseCounter}) to another processor; this reader stops")]
    private static partial void LogLeaseLost(ILogger logger, string function, string shardId, long leaseCounter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling {ShardId} for {Function} failed; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string function, string shardId);
}
