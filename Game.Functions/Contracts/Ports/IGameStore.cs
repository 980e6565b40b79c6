namespace Game.Functions.Contracts;

/// <summary>
/// The game's storage port: games, players and their score ledgers. Implemented by the embedded file store
/// (default) and DynamoDB; both pass the same contract tests. Creating tables or files is the store's own
/// business, done once at start-up before anything uses a port. Shard leases and checkpoints have their own port,
/// owned by the event sources (<c>Game.Server.EventSources.Leases.IShardLeaseStore</c>).
/// </summary>
/// <remarks>
/// Scores change only through <see cref="UpdateLedgersAsync"/>, a read-modify-write that the store makes
/// conditional on the ledger it read, so a concurrent or replayed update can never apply twice.
/// </remarks>
public interface IGameStore
{
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
}
