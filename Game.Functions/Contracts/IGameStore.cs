namespace Game.Functions.Contracts;

/// <summary>
/// The one storage port: games, players' scores, shard leases and checkpoints. Implemented by the embedded
/// file store (default) and DynamoDB; both pass the same contract tests.
/// </summary>
/// <remarks>
/// Scores change only through <see cref="UpdateLedgersAsync"/>, a read-modify-write that the store makes
/// conditional on the ledger it read, so a concurrent or replayed update can never apply twice.
/// </remarks>
public interface IGameStore
{
    /// <summary>Creates tables or files when missing.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    Task SaveGameAsync(GameRecord game, CancellationToken cancellationToken);

    Task<GameRecord?> GetGameAsync(string gameId, CancellationToken cancellationToken);

    /// <summary>All games, newest first.</summary>
    Task<IReadOnlyList<GameRecord>> ListGamesAsync(CancellationToken cancellationToken);

    /// <summary>Adds a player with an empty ledger; a second call for the same player changes nothing.</summary>
    Task AddPlayerAsync(string gameId, PlayerProfile player, CancellationToken cancellationToken);

    Task<IReadOnlyList<PlayerRow>> GetPlayersAsync(string gameId, CancellationToken cancellationToken);

    /// <summary>
    /// For each player, reads the ledger, computes <c>update(ledger)</c> and writes it only if the ledger is
    /// still the one read (retrying the read when it is not). Players unknown to the game are skipped.
    /// Answers the ledgers as written, in no particular order.
    /// </summary>
    Task<IReadOnlyList<(string PlayerId, PlayerLedger Ledger)>> UpdateLedgersAsync(
        string gameId,
        IReadOnlyList<(string PlayerId, Func<PlayerLedger, PlayerLedger> Update)> updates,
        CancellationToken cancellationToken);

    /// <summary>The last sequence number processed for a lease (function + shard), or null to start from the mapping's starting position.</summary>
    Task<string?> GetCheckpointAsync(string leaseKey, CancellationToken cancellationToken);

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
