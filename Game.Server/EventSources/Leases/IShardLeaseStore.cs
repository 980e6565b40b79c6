namespace Game.Server.EventSources.Leases;

/// <summary>
/// The event sources' storage port: one lease per shard (and lane) of a mapping, with its owner, fencing counter
/// and checkpoint, as the KCL keeps them. Implemented by the embedded file store and DynamoDB
/// (Game.Server/Storage/Sqlite, Game.Server/Storage/DynamoDb); both pass the same contract tests.
/// </summary>
public interface IShardLeaseStore
{
    /// <summary>
    /// Takes the lease for <paramref name="owner"/>: creates it when missing, otherwise bumps its counter with a write
    /// conditional on the counter read (re-reading when another processor got there first), so every acquisition
    /// gets its own counter. Answers the lease as written, with the checkpoint to resume from.
    /// </summary>
    /// <remarks>Taking a lease held by another owner is allowed (that is how a lease moves); the counter fences the old holder.</remarks>
    Task<Lease> AcquireLeaseAsync(string leaseKey, string owner, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the lease's checkpoint, only while the lease's counter is still <paramref name="leaseCounter"/>.
    /// </summary>
    /// <exception cref="LeaseLostException">The lease was acquired again since (or never was): nothing was written.</exception>
    Task SetCheckpointAsync(string leaseKey, string sequenceNumber, long leaseCounter, CancellationToken cancellationToken);
}
