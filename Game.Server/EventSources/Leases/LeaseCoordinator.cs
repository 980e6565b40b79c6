using Game.Server.EventSources.Sources;

namespace Game.Server.EventSources.Leases;

/// <summary>What changed for this node in one <see cref="LeaseCoordinator.SyncAsync"/> round.</summary>
/// <param name="Start">Leases now held whose shard may be read (every parent finished): start a reader on each, from its checkpoint.</param>
/// <param name="Stop">Leases (as this node held them) that another node took since (a renewal was refused): stop their readers.</param>
/// <param name="FollowUpSoon">
/// The round saw a lease nobody holds that it had not seen free before, and did not take it (this node is at its
/// share while the releasing node still holds others): run the next round after
/// <see cref="LeaseCoordinator.FollowUpInterval"/> instead of a whole renew interval, so the rest of a graceful
/// stop's releases are taken at once rather than a round later.
/// </param>
public sealed record LeaseChanges(IReadOnlyList<Lease> Start, IReadOnlyList<Lease> Stop, bool FollowUpSoon = false);

/// <summary>
/// One mapping's leases on this node, KCL-style: each round renews what it holds, creates rows for new shards
/// (with their parents), scans the table, takes expired and unowned leases up to its fair share or steals one
/// from the busiest node (<see cref="LeaseBalancer"/>), deletes the rows of finished shards whose children are
/// all being read, and answers which shards to start and stop reading.
/// </summary>
/// <remarks>
/// Run a round every <see cref="LeaseOptions.RenewInterval"/> (a third of the failover time), after a reader ends,
/// and <see cref="FollowUpInterval"/> after a round that answers <see cref="LeaseChanges.FollowUpSoon"/>. A lease
/// another node released is free at once: the next round takes it, so a graceful handover waits at most one
/// renew interval for the taker's round. A child shard is started only once each parent's lease reads
/// <see cref="Lease.ShardEnd"/> (or the parent has no row: trimmed from the stream, or cleaned up), as Lambda and
/// the KCL do. Not thread-safe: one loop drives it.
/// </remarks>
public sealed partial class LeaseCoordinator
{
    private readonly string _keyPrefix;
    private readonly string _owner;
    private readonly IShardLeaseStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LeaseBalancer _balancer;
    private readonly long _started;
    private readonly bool _exclusive;
    private readonly Dictionary<string, Lease> _held = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reading = new(StringComparer.Ordinal);
    private HashSet<string> _freeSeen = new(StringComparer.Ordinal);

    /// <summary>
    /// How soon a round follows one that saw a newly free lease it left (<see cref="LeaseChanges.FollowUpSoon"/>):
    /// longer than a node takes to release its last few leases one after the other on a store a few milliseconds
    /// away, far shorter than a renew interval (at least 333 ms).
    /// </summary>
    public static readonly TimeSpan FollowUpInterval = TimeSpan.FromMilliseconds(200);

    /// <param name="keyPrefix">The mapping's lease keys' prefix: <c>{function}/{stream}/</c>.</param>
    /// <param name="owner">This node as a lease owner (<see cref="LeaseOptions.OwnerId"/>).</param>
    /// <param name="store">The lease table.</param>
    /// <param name="options">The failover time.</param>
    /// <param name="time">Expiry is measured on it, by this node alone.</param>
    /// <param name="logger">Where takes, steals, losses and releases are told.</param>
    /// <param name="exclusive">
    /// The stream is this node's own (the embedded stream): take every shard once at start whoever holds it, and
    /// neither renew nor balance (no other node can read this stream); a lease another node takes is noticed by the
    /// fence at the next checkpoint, as before leases were shared.
    /// </param>
    public LeaseCoordinator(string keyPrefix, string owner, IShardLeaseStore store, LeaseOptions options, TimeProvider time, ILogger logger, bool exclusive = false)
    {
        _keyPrefix = keyPrefix;
        _owner = owner;
        _store = store;
        _time = time;
        _logger = logger;
        _balancer = new LeaseBalancer(owner, options.Failover, exclusive);
        _exclusive = exclusive;
        _started = time.GetTimestamp();
    }

    /// <summary>This node as a lease owner.</summary>
    public string Owner => _owner;

    /// <summary>The leases this node holds, as last written by it.</summary>
    public IReadOnlyCollection<Lease> Held => _held.Values;

    /// <summary>One round; see the class remarks. A failed renewal keeps the lease; other store errors propagate (the caller retries next round; held leases stay held).</summary>
    /// <param name="shards">The stream's shards as just listed, with their lineage.</param>
    /// <param name="cancellationToken">Stops the round.</param>
    public async Task<LeaseChanges> SyncAsync(IReadOnlyList<SourceShard> shards, CancellationToken cancellationToken)
    {
        var stop = new List<Lease>();
        foreach (var lease in _exclusive ? [] : _held.Values.ToList())
        {
            bool renewed;
            try
            {
                renewed = await _store.RenewLeaseAsync(lease.LeaseKey, _owner, lease.LeaseCounter, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The store is away: keep the lease (and its reader) and try again next round. If another node takes
                // it meanwhile, the next renewal or checkpoint says so.
                LogRenewFailed(_logger, ex, lease.LeaseKey);
                continue;
            }

            if (!renewed)
            {
                Forget(lease.LeaseKey);
                stop.Add(lease);
            }
        }

        var table = await _store.ListLeasesAsync(_keyPrefix, cancellationToken);
        var known = table.Select(l => l.LeaseKey).ToHashSet(StringComparer.Ordinal);
        // A listed shard without a row whose descendant has one was finished, and its row cleaned up since: the
        // stream lists a closed shard until it is trimmed, and a new row would have it read all over again.
        var missing = shards.Where(s => !known.Contains(_keyPrefix + s.ShardId) && !HasDescendantWithRow(s.ShardId, shards, known)).ToList();
        foreach (var shard in missing)
        {
            await _store.CreateLeaseIfMissingAsync(_keyPrefix + shard.ShardId, shard.ParentShardIds, cancellationToken);
        }

        if (missing.Count > 0)
        {
            table = await _store.ListLeasesAsync(_keyPrefix, cancellationToken);
        }

        var plan = _balancer.Plan(table, _held.Keys.ToHashSet(StringComparer.Ordinal), _time.GetElapsedTime(_started));
        foreach (var candidate in plan.Take)
        {
            await TakeAsync(candidate, stolen: false, cancellationToken);
        }

        if (plan.Steal is { } victim)
        {
            await TakeAsync(victim, stolen: true, cancellationToken);
        }

        await CleanUpFinishedAsync(table, shards, cancellationToken);
        // A parent deleted just now reads SHARD_END here, as it did: finished either way.
        var byKey = table.ToDictionary(l => l.LeaseKey, StringComparer.Ordinal);
        var start = _held.Values
            .Where(l => !_reading.Contains(l.LeaseKey) && !l.IsShardEnded && l.ParentShardIds.All(p => IsFinished(byKey, p)))
            .OrderBy(l => l.LeaseKey, StringComparer.Ordinal)
            .ToList();
        _reading.UnionWith(start.Select(l => l.LeaseKey));

        // A free lease left here is usually the first of a stopping node's releases, which come one after the
        // other: between them this node still counts that node as live and itself at its share. Look again soon,
        // once per lease newly seen free (a lease left for a node below its share stays free until that node's
        // round, which needs no more follow-ups from this one).
        var free = _exclusive
            ? new HashSet<string>(StringComparer.Ordinal)
            : table.Where(l => l.IsUnowned && !l.IsShardEnded && !_held.ContainsKey(l.LeaseKey)).Select(l => l.LeaseKey).ToHashSet(StringComparer.Ordinal);
        var followUp = free.Any(k => !_freeSeen.Contains(k));
        _freeSeen = free;
        return new LeaseChanges(start, stop, followUp);
    }

    /// <summary>
    /// A reader stopped. After <see cref="ShardReaderOutcome.ShardEnded"/> (its lease reads SHARD_END) the lease is
    /// handed back, so children can start; after <see cref="ShardReaderOutcome.LeaseLost"/> it is forgotten; after
    /// <see cref="ShardReaderOutcome.Stopped"/> it is started again next round if still held.
    /// </summary>
    public async Task ReaderEndedAsync(string shardId, ShardReaderOutcome outcome, CancellationToken cancellationToken)
    {
        var key = _keyPrefix + shardId;
        _reading.Remove(key);
        if (!_held.TryGetValue(key, out var lease))
        {
            return;
        }

        switch (outcome)
        {
            case ShardReaderOutcome.LeaseLost:
                Forget(key);
                break;
            case ShardReaderOutcome.ShardEnded:
                Forget(key);
                await _store.ReleaseLeaseAsync(key, _owner, lease.LeaseCounter, cancellationToken);
                break;
        }
    }

    /// <summary>
    /// Graceful stop, after the readers stopped and landed their checkpoints: hands every held lease back at once,
    /// so another node takes them on its next round instead of after the failover time.
    /// </summary>
    public async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        foreach (var lease in _held.Values.ToList())
        {
            try
            {
                if (await _store.ReleaseLeaseAsync(lease.LeaseKey, _owner, lease.LeaseCounter, cancellationToken))
                {
                    LogReleased(_logger, lease.LeaseKey, lease.LeaseCounter);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not handed back: it expires after the failover time instead.
                LogReleaseFailed(_logger, ex, lease.LeaseKey);
            }

            Forget(lease.LeaseKey);
        }
    }

    /// <summary>
    /// The mapping was deleted (or replaced by another), after the readers stopped: deletes every held lease's row,
    /// each only while this node still holds it with its counter, instead of handing it back. A released row would
    /// keep the old mapping's checkpoint for whoever takes it next; in Lambda that position ended with the mapping.
    /// </summary>
    public async Task DeleteAllAsync(CancellationToken cancellationToken)
    {
        foreach (var lease in _held.Values.ToList())
        {
            try
            {
                if (await _store.DeleteLeaseAsync(lease.LeaseKey, _owner, lease.LeaseCounter, cancellationToken))
                {
                    LogDeleted(_logger, lease.LeaseKey, lease.LeaseCounter);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Left in the table: the deleted mapping's cleanup (DeleteAbandonedAsync) removes it once it expires.
                LogDeleteFailed(_logger, ex, lease.LeaseKey);
            }

            Forget(lease.LeaseKey);
        }
    }

    /// <summary>
    /// One round of a deleted mapping's cleanup, run by a node whose readers of it stopped: deletes each of the
    /// mapping's rows that nobody reads any more (unowned, this node's own, or expired as observed across rounds, by
    /// <see cref="LeaseBalancer.Abandoned"/>), each only while its owner and counter are still those read. A row a
    /// reader on another node still renews stays: that node deletes it itself once it applies the deletion (or it
    /// expires).
    /// </summary>
    /// <returns>Whether the mapping had no row left: then it may go from the control plane.</returns>
    public async Task<bool> DeleteAbandonedAsync(CancellationToken cancellationToken)
    {
        var table = await _store.ListLeasesAsync(_keyPrefix, cancellationToken);
        var left = table.Count;
        foreach (var lease in _balancer.Abandoned(table, _time.GetElapsedTime(_started)))
        {
            if (await _store.DeleteLeaseAsync(lease.LeaseKey, lease.Owner, lease.LeaseCounter, cancellationToken))
            {
                left--;
                LogDeleted(_logger, lease.LeaseKey, lease.LeaseCounter);
            }
        }

        return left == 0;
    }

    /// <summary>
    /// The KCL's cleanup of finished leases: a row reading SHARD_END is deleted once every child shard (from the
    /// listing and from the rows' lineage) has a row with a checkpoint, that is once each child's reading began and
    /// nothing waits on the parent any more, and once the shard's own parents' rows are gone (a lineage is cleaned
    /// from the top, so a row never outlives a parent's). Conditional on the counter seen: of two nodes, one deletes.
    /// </summary>
    private async Task CleanUpFinishedAsync(IReadOnlyList<Lease> table, IReadOnlyList<SourceShard> shards, CancellationToken cancellationToken)
    {
        var byShard = table.ToDictionary(l => l.ShardId, StringComparer.Ordinal);
        foreach (var finished in table.Where(l => l.IsShardEnded && !_held.ContainsKey(l.LeaseKey)))
        {
            var children = shards.Where(s => s.ParentShardIds.Contains(finished.ShardId)).Select(s => s.ShardId)
                .Concat(table.Where(l => l.ParentShardIds.Contains(finished.ShardId)).Select(l => l.ShardId))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (children.Count == 0
                || !children.All(c => byShard.TryGetValue(c, out var child) && child.Checkpoint is not null)
                || finished.ParentShardIds.Any(byShard.ContainsKey))
            {
                continue;
            }

            if (await _store.DeleteFinishedLeaseAsync(finished.LeaseKey, finished.LeaseCounter, cancellationToken))
            {
                LogCleanedUp(_logger, finished.LeaseKey, children.Count);
            }
        }
    }

    /// <summary>Whether a shard split or merged from <paramref name="shardId"/> (or from one of those, and so on) has a row.</summary>
    private bool HasDescendantWithRow(string shardId, IReadOnlyList<SourceShard> shards, HashSet<string> known)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal) { shardId };
        var frontier = new Queue<string>([shardId]);
        while (frontier.TryDequeue(out var current))
        {
            foreach (var child in shards.Where(s => s.ParentShardIds.Contains(current) && visited.Add(s.ShardId)))
            {
                if (known.Contains(_keyPrefix + child.ShardId))
                {
                    return true;
                }

                frontier.Enqueue(child.ShardId);
            }
        }

        return false;
    }

    /// <summary>A parent is finished when its lease reads SHARD_END, or when it has no row (the stream trimmed it).</summary>
    private bool IsFinished(Dictionary<string, Lease> table, string parentShardId) =>
        !table.TryGetValue(_keyPrefix + parentShardId, out var parent) || parent.IsShardEnded;

    private async Task TakeAsync(Lease seen, bool stolen, CancellationToken cancellationToken)
    {
        // Conditional on the counter seen: when two nodes go for one lease, one wins and the other sees null.
        if (await _store.TakeLeaseAsync(seen.LeaseKey, _owner, seen.LeaseCounter, cancellationToken) is not { } taken)
        {
            return;
        }

        _held[taken.LeaseKey] = taken;
        if (stolen)
        {
            LogStolen(_logger, taken.LeaseKey, seen.Owner, taken.LeaseCounter);
        }
        else
        {
            LogTaken(_logger, taken.LeaseKey, seen.Owner, taken.LeaseCounter);
        }
    }

    private void Forget(string key)
    {
        _held.Remove(key);
        _reading.Remove(key);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Took the lease {LeaseKey} (was held by '{PreviousOwner}'); counter {LeaseCounter}")]
    private static partial void LogTaken(ILogger logger, string leaseKey, string previousOwner, long leaseCounter);

    [LoggerMessage(Level = LogLevel.Information, Message = "Took the lease {LeaseKey} from the busiest node '{PreviousOwner}' to balance; counter {LeaseCounter}")]
    private static partial void LogStolen(ILogger logger, string leaseKey, string previousOwner, long leaseCounter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the lease {LeaseKey}; keeping it and trying again next round")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string leaseKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released the lease {LeaseKey} (held with counter {LeaseCounter}) for another node to take at once")]
    private static partial void LogReleased(ILogger logger, string leaseKey, long leaseCounter);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the finished lease {LeaseKey}: each of its {Children} child shards is being read")]
    private static partial void LogCleanedUp(ILogger logger, string leaseKey, int children);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the lease {LeaseKey} (counter {LeaseCounter}) with its checkpoint: its mapping was deleted")]
    private static partial void LogDeleted(ILogger logger, string leaseKey, long leaseCounter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the lease {LeaseKey} of a deleted mapping; the mapping's cleanup deletes it once it expires")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string leaseKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release the lease {LeaseKey}; it expires after the failover time instead")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string leaseKey);
}
