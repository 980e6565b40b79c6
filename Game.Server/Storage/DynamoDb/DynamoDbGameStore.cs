using Amazon.DynamoDBv2.Model;
using Game.Functions.Contracts;
using static Game.Server.Storage.DynamoDb.DynamoDbAttributes;

namespace Game.Server.Storage.DynamoDb;

/// <summary>
/// <see cref="IGameStore"/> on DynamoDB: games in the <c>Games</c> table, players and their ledgers in
/// <c>Scores</c>. The conditional ledger writes are in DynamoDbGameStore.Ledgers.cs.
/// </summary>
/// <remarks>
/// Exactly once without transactions: every ledger write is a conditional <c>UpdateItem</c> whose condition is
/// the ledger that was read. A concurrent or replayed update that read an older ledger fails its condition,
/// re-reads and recomputes, so it can neither be lost nor applied twice.
/// </remarks>
public sealed partial class DynamoDbGameStore(DynamoDbTables tables, ILogger<DynamoDbGameStore> logger) : IGameStore
{
    public Task SaveGameAsync(GameRecord game, CancellationToken cancellationToken)
    {
        tables.Count("PutItem");
        return tables.Client.PutItemAsync(new PutItemRequest { TableName = tables.Games, Item = DynamoDbItems.GameItem(game) }, cancellationToken);
    }

    public async Task<GameRecord?> GetGameAsync(string gameId, CancellationToken cancellationToken)
    {
        tables.Count("GetItem");
        var response = await tables.Client.GetItemAsync(new GetItemRequest
        {
            TableName = tables.Games,
            Key = new() { ["gameId"] = S(gameId) },
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? DynamoDbItems.ReadGame(item) : null;
    }

    public async Task<IReadOnlyList<GameRecord>> ListGamesAsync(CancellationToken cancellationToken)
    {
        var games = new List<GameRecord>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            tables.Count("Scan");
            var response = await tables.Client.ScanAsync(new ScanRequest
            {
                TableName = tables.Games,
                ConsistentRead = true,
                ExclusiveStartKey = startKey,
            }, cancellationToken);
            games.AddRange((response.Items ?? []).Select(DynamoDbItems.ReadGame));
            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);

        // A scan has no order; sort as the embedded store does (creation to the millisecond, then id).
        return games
            .OrderByDescending(g => g.CreatedAt.ToUnixTimeMilliseconds())
            .ThenBy(g => g.GameId, StringComparer.Ordinal)
            .ToList();
    }

    public async Task AddPlayerAsync(string gameId, PlayerProfile player, CancellationToken cancellationToken)
    {
        try
        {
            tables.Count("PutItem");
            await tables.Client.PutItemAsync(new PutItemRequest
            {
                TableName = tables.Scores,
                Item = new()
                {
                    ["gameId"] = S(gameId),
                    ["playerId"] = S(player.PlayerId),
                    ["nickname"] = S(player.Nickname),
                    ["team"] = S(player.Team),
                    ["score"] = N(0),
                    ["lastSeq"] = N(0),
                },
                ConditionExpression = "attribute_not_exists(playerId)",
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            // Joined before: the existing row, and its score, stay as they are.
        }
    }

    public async Task<IReadOnlyList<PlayerRow>> GetPlayersAsync(string gameId, CancellationToken cancellationToken)
    {
        var players = new List<PlayerRow>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            tables.Count("Query");
            var response = await tables.Client.QueryAsync(new QueryRequest
            {
                TableName = tables.Scores,
                KeyConditionExpression = "gameId = :game",
                ExpressionAttributeValues = new() { [":game"] = S(gameId) },
                ConsistentRead = true,
                ScanIndexForward = true,
                ExclusiveStartKey = startKey,
            }, cancellationToken);
            foreach (var item in response.Items ?? [])
            {
                players.Add(new PlayerRow(
                    new PlayerProfile { PlayerId = item["playerId"].S, Nickname = item["nickname"].S, Team = item["team"].S },
                    DynamoDbItems.ReadLedger(item)));
            }

            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);

        return players;
    }

    public async Task<IReadOnlyList<(string PlayerId, PlayerLedger Ledger)>> UpdateLedgersAsync(
        string gameId,
        IReadOnlyList<(string PlayerId, Func<PlayerLedger, PlayerLedger> Update)> updates,
        CancellationToken cancellationToken)
    {
        // Several updates of one player apply in the order given, against one read and with one write.
        var byPlayer = updates
            .GroupBy(u => u.PlayerId, StringComparer.Ordinal)
            .Select(g => (PlayerId: g.Key, Updates: g.Select(u => u.Update).ToArray()))
            .ToList();
        var ledgers = await ReadLedgersAsync(gameId, byPlayer.Select(p => p.PlayerId).ToList(), cancellationToken);

        var written = new List<(string, PlayerLedger)>?[byPlayer.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, byPlayer.Count),
            new ParallelOptions { MaxDegreeOfParallelism = WriteConcurrency, CancellationToken = cancellationToken },
            async (index, token) =>
            {
                var (playerId, playerUpdates) = byPlayer[index];
                if (ledgers.TryGetValue(playerId, out var read))
                {
                    written[index] = await UpdateLedgerAsync(gameId, playerId, read, playerUpdates, token);
                }
            });

        return written.SelectMany(w => w ?? []).ToList();
    }
}
