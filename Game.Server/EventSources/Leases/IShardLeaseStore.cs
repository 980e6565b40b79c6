namespace Game.Server.EventSources.Leases;

/// <summary>
/// The event sources' storage port: the lease table, one row per shard of a mapping, with its owner, fencing
/// counter, checkpoint, parent shards and renewals, as the KCL keeps them. Implemented by the embedded file store
/// and DynamoDB (Game.Server/Storage/Sqlite, Game.Server/Storage/DynamoDb); both pass the same contract tests.
/// </summary>
/// <remarks>
/// Every write is conditional on what the writer saw (the counter, and the owner for a renewal or release), never
/// a transaction across rows: DynamoDB's conditional writes are enough, and dynalite has no transactions.
/// <see cref="LeaseCoordinator"/> decides who takes what.
/// </remarks>
public interface IShardLeaseStore
{
    /// <summary>
    /// Takes the lease for <paramref name="owner"/> whoever holds it: creates it when missing, otherwise bumps its
    /// counter with a write conditional on the counter read (re-reading when another processor got there first),
    /// so every acquisition gets its own counter. Answers the lease as written, with the checkpoint to resume from.
    /// </summary>
    /// <remarks>Taking a lease held by another owner is allowed (that is how a lease moves); the counter fences the old holder.</remarks>
    Task<Lease> AcquireLeaseAsync(string leaseKey, string owner, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the lease's checkpoint (a sequence number, or <see cref="Lease.ShardEnd"/>), only while the lease's
    /// counter is still <paramref name="leaseCounter"/>.
    /// </summary>
    /// <exception cref="LeaseLostException">The lease was acquired again since (or never was): nothing was written.</exception>
    Task SetCheckpointAsync(string leaseKey, string sequenceNumber, long leaseCounter, CancellationToken cancellationToken);

    /// <summary>Every lease whose key starts with <paramref name="keyPrefix"/> (one mapping: <c>{function}/{stream}/</c>), read consistently, in key order.</summary>
    Task<IReadOnlyList<Lease>> ListLeasesAsync(string keyPrefix, CancellationToken cancellationToken);

    /// <summary>
    /// Writes an unowned row (counter 0, no checkpoint) with the shard's lineage when none exists; an existing row
    /// is left as it is. Answers whether this call created it.
    /// </summary>
    Task<bool> CreateLeaseIfMissingAsync(string leaseKey, IReadOnlyList<string> parentShardIds, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the lease for <paramref name="owner"/> only if its counter is still <paramref name="expectedCounter"/>
    /// (what the taker saw when it judged the lease expired, unowned, or worth stealing): bumps the counter.
    /// </summary>
    /// <returns>The lease as written, or null when its counter moved (another processor took or released it) since.</returns>
    Task<Lease?> TakeLeaseAsync(string leaseKey, string owner, long expectedCounter, CancellationToken cancellationToken);

    /// <summary>
    /// Renews the lease (bumps <see cref="Lease.Renewals"/>), only while <paramref name="owner"/> holds it with
    /// <paramref name="leaseCounter"/>.
    /// </summary>
    /// <returns>False when the lease was taken or released since: the holder must stop reading the shard.</returns>
    Task<bool> RenewLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken);

    /// <summary>
    /// Hands the lease back (graceful stop, or a finished shard): clears the owner and bumps the counter, keeping
    /// the checkpoint, only while <paramref name="owner"/> holds it with <paramref name="leaseCounter"/>. Another
    /// processor can take it at once, without waiting for it to expire.
    /// </summary>
    /// <returns>False when the lease had already moved on (nothing was written).</returns>
    Task<bool> ReleaseLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a finished lease's row (its checkpoint reads <see cref="Lease.ShardEnd"/>), only while its counter is
    /// still <paramref name="leaseCounter"/>: the lease cleanup once every child shard is being read.
    /// </summary>
    /// <returns>False when the row is gone, not finished, or moved on since (nothing was deleted).</returns>
    Task<bool> DeleteFinishedLeaseAsync(string leaseKey, long leaseCounter, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the lease's row, checkpoint included, only while <paramref name="owner"/> holds it with
    /// <paramref name="leaseCounter"/>; an empty <paramref name="owner"/> deletes it only while nobody holds it and
    /// its counter is still the one read. The end of a deleted mapping's rows: a mapping created afterwards starts
    /// from its own starting position, as in Lambda, where the position in a shard belongs to the mapping.
    /// </summary>
    /// <remarks>The condition keeps a row another processor took (or took and released) since it was read: its reader's position stays.</remarks>
    /// <returns>False when the row is gone, or its owner or counter moved on since (nothing was deleted).</returns>
    Task<bool> DeleteLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken);
}
