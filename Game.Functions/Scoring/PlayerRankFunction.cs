using System.Text.Json;
using System.Text.Json.Nodes;
using Game.Functions.Contracts;
using Game.Functions.Runtime;

namespace Game.Functions.Scoring;

/// <summary>
/// "Instead of an API server": a player's score, rank and team total, read from the store.
/// Input <c>{"gameId": "ABCDE", "playerId": "p…"}</c>; answers <c>{gameId, playerId, nickname, team, score, rank, players, teamScore}</c>.
/// </summary>
public sealed class PlayerRankFunction(IGameStore store) : IJsonFunction
{
    public const string Name = "player-rank";

    public async Task<JsonNode?> FunctionHandler(JsonElement input, ILambdaContext context)
    {
        var gameId = Text(input, "gameId").ToUpperInvariant();
        var playerId = Text(input, "playerId");
        var players = await store.GetPlayersAsync(gameId, context.CancellationToken);
        var me = players.FirstOrDefault(p => p.Profile.PlayerId == playerId)
            ?? throw new KeyNotFoundException($"Game '{gameId}' has no player '{playerId}'.");

        context.Logger.LogLine($"Ranking {playerId} among {players.Count} players of {gameId}.");
        return new JsonObject
        {
            ["gameId"] = gameId,
            ["playerId"] = playerId,
            ["nickname"] = me.Profile.Nickname,
            ["team"] = me.Profile.Team,
            ["score"] = me.Ledger.Score,
            // Standard competition ranking: players with the same score share a rank.
            ["rank"] = 1 + players.Count(p => p.Ledger.Score > me.Ledger.Score),
            ["players"] = players.Count,
            ["teamScore"] = me.Profile.Team.Length == 0 ? me.Ledger.Score : players.Where(p => p.Profile.Team == me.Profile.Team).Sum(p => p.Ledger.Score),
        };
    }

    private static string Text(JsonElement input, string name) =>
        input.ValueKind == JsonValueKind.Object && input.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new ArgumentException($"The input needs a string '{name}'.");
}
