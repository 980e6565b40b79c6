namespace Game.Server.EventSources.Leases;

/// <summary>
/// A processor's hold on one shard of one event source mapping, as the KCL keeps it: one row per shard with the
/// owner, the fencing counter, the checkpoint, the parent shards and a renewal count others can watch.
/// </summary>
/// <remarks>
/// <see cref="LeaseCounter"/> grows by one on every change of hands (acquire, take, release), so the holder with
/// the highest counter is the only one whose checkpoints are still accepted
/// (<see cref="IShardLeaseStore.SetCheckpointAsync"/>). Renewals move <see cref="Renewals"/> instead: a holder's
/// checkpoints stay valid while it renews.
/// </remarks>
public sealed record Lease
{
    /// <summary>The checkpoint of a shard that is closed and fully processed: its children may be read now.</summary>
    public const string ShardEnd = "SHARD_END";

    /// <summary><c>&lt;function&gt;/&lt;stream&gt;/&lt;shardId&gt;</c>.</summary>
    public string LeaseKey { get; init; } = "";

    /// <summary>Who holds it: any string unique to one processor (host, process, instance); empty when nobody does.</summary>
    public string Owner { get; init; } = "";

    /// <summary>The fence: 0 for a row nobody took yet, one more after each change of hands.</summary>
    public long LeaseCounter { get; init; }

    /// <summary>The last processed sequence number, <see cref="ShardEnd"/>, or null to start from the mapping's starting position.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>
    /// How often the holder renewed it. Other processors watch this (with the counter) change: a lease whose
    /// counter and renewals stayed the same for the failover time is expired, whatever the clocks say.
    /// </summary>
    public long Renewals { get; init; }

    /// <summary>The shards this one was split or merged from (lease keys' last part); empty for an original shard.</summary>
    public IReadOnlyList<string> ParentShardIds { get; init; } = [];

    /// <summary>Nobody holds it: it may be taken at once.</summary>
    public bool IsUnowned => Owner.Length == 0;

    /// <summary>The shard is finished (<see cref="ShardEnd"/>).</summary>
    public bool IsShardEnded => Checkpoint == ShardEnd;

    /// <summary>The shard id: the lease key's last segment.</summary>
    public string ShardId => LeaseKey[(LeaseKey.LastIndexOf('/') + 1)..];

    // Records compare lists by reference; a lease read twice must compare equal.
    public bool Equals(Lease? other) =>
        other is not null
        && LeaseKey == other.LeaseKey
        && Owner == other.Owner
        && LeaseCounter == other.LeaseCounter
        && Checkpoint == other.Checkpoint
        && Renewals == other.Renewals
        && ParentShardIds.SequenceEqual(other.ParentShardIds);

    public override int GetHashCode() => HashCode.Combine(LeaseKey, Owner, LeaseCounter, Checkpoint, Renewals);
}

/// <summary>
/// A checkpoint (or renewal) was refused because another processor acquired the lease since this one did: this
/// processor must stop reading the shard.
/// </summary>
public sealed class LeaseLostException : Exception
{
    public LeaseLostException(string leaseKey, long leaseCounter)
        : base($"The lease '{leaseKey}' is no longer held with counter {leaseCounter}: another processor acquired it, so this one must stop.")
    {
        LeaseKey = leaseKey;
        LeaseCounter = leaseCounter;
    }

    public LeaseLostException(string leaseKey, long leaseCounter, Exception innerException)
        : base($"The lease '{leaseKey}' is no longer held with counter {leaseCounter}: another processor acquired it, so this one must stop.", innerException)
    {
        LeaseKey = leaseKey;
        LeaseCounter = leaseCounter;
    }

    public string LeaseKey { get; }

    /// <summary>The counter this processor held.</summary>
    public long LeaseCounter { get; }
}
