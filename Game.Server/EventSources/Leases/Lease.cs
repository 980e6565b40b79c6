namespace Game.Server.EventSources.Leases;

/// <summary>
/// A processor's hold on one shard of one event source mapping, as the KCL keeps it: the owner, the fencing
/// counter and the checkpoint.
/// </summary>
/// <remarks>
/// <see cref="LeaseCounter"/> grows by one on every acquisition, so the holder with the highest counter is the
/// only one whose checkpoints are still accepted (<see cref="IShardLeaseStore.SetCheckpointAsync"/>).
/// </remarks>
public sealed record Lease
{
    /// <summary><c>&lt;function&gt;/&lt;stream&gt;/&lt;shardId&gt;</c>.</summary>
    public string LeaseKey { get; init; } = "";

    /// <summary>Who acquired it last: any string unique to one processor (host, process, instance).</summary>
    public string Owner { get; init; } = "";

    /// <summary>The fence: 1 after the first acquisition, one more after each later one.</summary>
    public long LeaseCounter { get; init; }

    /// <summary>The last processed sequence number, or null to start from the mapping's starting position.</summary>
    public string? Checkpoint { get; init; }
}

/// <summary>
/// A checkpoint was refused because another processor acquired the lease since this one did: this processor
/// must stop reading the shard.
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
