using System.Diagnostics;
using Game.Functions.Runtime;
using Game.Server.EventSources.Leases;
using Game.Server.EventSources.Sources;

namespace Game.Server.EventSources;

/// <summary>How a <see cref="ShardReader"/> stopped.</summary>
public enum ShardReaderOutcome
{
    /// <summary>The host is stopping; the last checkpoint was given a chance to land.</summary>
    Stopped,

    /// <summary>Another processor acquired the shard's lease: reading on would only duplicate its work.</summary>
    LeaseLost,

    /// <summary>The shard is closed and fully processed: its lease's checkpoint reads SHARD_END, and its children may be read now.</summary>
    ShardEnded,
}

/// <summary>
/// Reads one shard for one mapping: takes the shard's lease, opens a cursor at its checkpoint, waits for records
/// (and for the batching window), hands each batch to the <see cref="ShardBatchProcessor"/> (or the shard's
/// <see cref="TumblingWindows"/>), and moves the checkpoint past the batch once every record succeeded, was
/// filtered out or went to the on-failure destination. Any <see cref="IShardSource"/> can be read this way.
/// </summary>
/// <remarks>
/// After an error (store or silo unavailable) the reader goes back to the last checkpoint known to be written
/// and reads on from there after a backoff: what came after is processed again, exactly once in effect.
/// </remarks>
public sealed partial class ShardReader
{
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly string _functionName;
    private readonly string _shardId;
    private readonly string _leaseKey;
    private readonly string _owner;
    private readonly IShardSource _source;
    private readonly IShardLeaseStore _leases;
    private readonly EventSourceMappingOptions _options;
    private readonly ShardBatchProcessor _processor;
    private readonly TumblingWindows? _windows;
    private readonly FunctionMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TagList _tags;
    private readonly ShardReadLag? _lag;

    private Lease? _lease;
    private CheckpointPipeline? _checkpoints;
    private IShardCursor? _cursor;

    /// <summary>A reader for one shard of one mapping; nothing is read before <see cref="RunAsync"/>.</summary>
    /// <param name="functionName">The mapping's function.</param>
    /// <param name="shardId">The shard to read.</param>
    /// <param name="owner">This process as a lease owner: unique per process and instance.</param>
    /// <param name="source">The stream.</param>
    /// <param name="leases">Where the shard's lease and checkpoint are kept.</param>
    /// <param name="options">The mapping.</param>
    /// <param name="target">The function and on-failure destination batches go to.</param>
    /// <param name="metrics">Lambda's event-source metrics.</param>
    /// <param name="time">Waits and record ages run on it.</param>
    /// <param name="logger">Where lost leases and read failures are told.</param>
    /// <param name="lease">The lease already taken for this reader (by the <see cref="LeaseCoordinator"/>); null to acquire it on the first read.</param>
    /// <param name="lag">Where each read's distance from the shard's tip goes, for the target's IteratorAge; null when nobody asks.</param>
    public ShardReader(
        string functionName,
        string shardId,
        string owner,
        IShardSource source,
        IShardLeaseStore leases,
        EventSourceMappingOptions options,
        IWindowedShardTarget target,
        FunctionMetrics metrics,
        TimeProvider time,
        ILogger logger,
        Lease? lease = null,
        ShardReadLag? lag = null)
    {
        _functionName = functionName;
        _shardId = shardId;
        _leaseKey = LeaseKey(functionName, source.StreamName, shardId);
        _owner = owner;
        _source = source;
        _leases = leases;
        _options = options;
        _processor = new ShardBatchProcessor(options, target, time);
        _windows = options.TumblingWindowInSeconds > 0 ? new TumblingWindows(options, target, time) : null;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _tags = new TagList { { "function", functionName }, { "shard", shardId } };
        _lease = lease;
        _lag = lag;
    }

    /// <summary>The lease of one shard of one mapping: <c>{function}/{stream}/{shardId}</c>.</summary>
    public static string LeaseKey(string functionName, string streamName, string shardId) => $"{functionName}/{streamName}/{shardId}";

    /// <summary>Reads until the host stops, the lease is lost, or the shard ends.</summary>
    public async Task<ShardReaderOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var retryDelay = MinRetryDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (await CursorAsync(cancellationToken) is not { } cursor)
                {
                    // Finished by an earlier holder: nothing left to read.
                    return ShardReaderOutcome.ShardEnded;
                }

                if (await ReadNextAsync(cursor, cancellationToken))
                {
                    // The last record's checkpoint first, then SHARD_END: the lease table now says the children may start.
                    await _checkpoints!.LandAsync();
                    await _leases.SetCheckpointAsync(_leaseKey, Lease.ShardEnd, _checkpoints.LeaseCounter, cancellationToken);
                    return ShardReaderOutcome.ShardEnded;
                }

                retryDelay = MinRetryDelay;
                continue;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (LeaseLostException ex)
            {
                LogLeaseLost(_logger, _functionName, _shardId, ex.LeaseCounter);
                return ShardReaderOutcome.LeaseLost;
            }
            catch (Exception ex)
            {
                LogPollFailed(_logger, ex, _functionName, _shardId);
                _cursor = null;
                _checkpoints?.Abandon();
            }

            try
            {
                await Task.Delay(retryDelay, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return ShardReaderOutcome.Stopped;
            }

            retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, MaxRetryDelay.Ticks));
        }

        if (_checkpoints is not null)
        {
            await _checkpoints.FinishAsync();
        }

        return ShardReaderOutcome.Stopped;
    }

    /// <summary>The cursor to read with: after an error, a new one at the last durable checkpoint; null when the lease reads SHARD_END.</summary>
    private async Task<IShardCursor?> CursorAsync(CancellationToken cancellationToken)
    {
        // Taken once per reader: taking it again after every store error would fence ourselves and steal the
        // shard back from a newer owner.
        _lease ??= await _leases.AcquireLeaseAsync(_leaseKey, _owner, cancellationToken);
        if (_lease.IsShardEnded)
        {
            return null;
        }

        if (_checkpoints is null)
        {
            // From the checkpoint, else the mapping's starting position; rewinds go to where the source put us.
            _cursor = await _source.OpenAsync(_shardId, ShardPosition.StartOf(_options).After(_lease.Checkpoint), cancellationToken);
            _checkpoints = new CheckpointPipeline(_leases, _leaseKey, _lease.LeaseCounter, _cursor.Position, _time);
        }

        return _cursor ??= await _source.OpenAsync(_shardId, _checkpoints.Durable, cancellationToken);
    }

    /// <summary>Waits for records, processes one batch and starts its checkpoint; answers whether the shard ended.</summary>
    private async Task<bool> ReadNextAsync(IShardCursor cursor, CancellationToken cancellationToken)
    {
        var checkpoints = _checkpoints!;
        if (!await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, cancellationToken))
        {
            // Nothing to read yet: let the last checkpoint land first, so that a lost lease shows now rather than
            // whenever the next record comes.
            await checkpoints.LandAsync();
        }

        if (!await cursor.WaitForRecordsAsync(1, _windows?.TimeLeft ?? Timeout.InfiniteTimeSpan, cancellationToken))
        {
            // The open window's end passed with no newer record: close it now, not when one comes.
            await _windows!.CloseAsync(cancellationToken);
            return false;
        }

        if (_options.MaximumBatchingWindowInSeconds > 0)
        {
            // A batching window: wait until the batch is full or the window has passed since the first record.
            await cursor.WaitForRecordsAsync(_options.BatchSize, TimeSpan.FromSeconds(_options.MaximumBatchingWindowInSeconds), cancellationToken);
        }

        var read = await cursor.ReadAsync(_options.BatchSize, cancellationToken);
        if (read.Records.Count == 0)
        {
            return read.ShardEnded;
        }

        if (_options.CountsEvents)
        {
            _metrics.PolledEventCount.Add(read.Records.Count, _tags);
        }

        _lag?.Observe(read.BehindLatest);
        var summary = _windows is null
            ? await _processor.ProcessAsync(read.Records, cancellationToken)
            : await _windows.ProcessAsync(read.Records, cancellationToken);
        if (_options.CountsEvents)
        {
            _metrics.FilteredOutEventCount.Add(summary.FilteredOut, _tags);
        }

        await checkpoints.LandAsync();
        checkpoints.Begin(read.Records[^1].SequenceNumber, cursor.Position);
        if (_windows is not null)
        {
            // A window's state already holds these records: going back past them after a store error would count
            // them twice, so with windows the checkpoint lands before the next read.
            await checkpoints.LandAsync();
        }

        return read.ShardEnded;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} lost the lease of {ShardId} (held with counter {LeaseCounter}) to another processor; this reader stops")]
    private static partial void LogLeaseLost(ILogger logger, string function, string shardId, long leaseCounter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling {ShardId} for {Function} failed; retrying from the checkpoint")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string function, string shardId);
}
