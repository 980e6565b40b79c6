using Game.Functions.Contracts;

namespace Game.Server.Storage;

/// <summary>The DynamoDB store (being written; see issue 2).</summary>
public sealed class DynamoDbGameStore(DynamoDbStorageOptions options) : IGameStore
{
    private NotSupportedException Missing() => new($"DynamoDB at {options.ServiceUrl ?? options.Region} is not wired yet.");

    public Task InitializeAsync(CancellationToken cancellationToken) => throw Missing();
    public Task SaveGameAsync(GameRecord game, CancellationToken cancellationToken) => throw Missing();
    public Task<GameRecord?> GetGameAsync(string gameId, CancellationToken cancellationToken) => throw Missing();
    public Task<IReadOnlyList<GameRecord>> ListGamesAsync(CancellationToken cancellationToken) => throw Missing();
    public Task AddPlayerAsync(string gameId, PlayerProfile player, CancellationToken cancellationToken) => throw Missing();
    public Task<IReadOnlyList<PlayerRow>> GetPlayersAsync(string gameId, CancellationToken cancellationToken) => throw Missing();
    public Task<IReadOnlyList<(string PlayerId, PlayerLedger Ledger)>> UpdateLedgersAsync(string gameId, IReadOnlyList<(string PlayerId, Func<PlayerLedger, PlayerLedger> Update)> updates, CancellationToken cancellationToken) => throw Missing();
    public Task<string?> GetCheckpointAsync(string leaseKey, CancellationToken cancellationToken) => throw Missing();
    public Task SetCheckpointAsync(string leaseKey, string sequenceNumber, CancellationToken cancellationToken) => throw Missing();
}
