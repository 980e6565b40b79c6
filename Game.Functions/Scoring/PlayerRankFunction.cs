using System.Text.Json;
using System.Text.Json.Nodes;
using Game.Functions.Contracts;
using Game.Functions.Games;
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
        var board = Scoreboard.From(await store.GetPlayersAsync(gameId, context.CancellationToken));
        var me = board.Find(playerId)
            ?? throw new KeyNotFoundException($"Game '{gameId}' has no player '{playerId}'.");

        context.Logger.LogLine($"Ranking {playerId} among {board.PlayerCount} players of {gameId}.");
        return new JsonObject
        {
            ["gameId"] = gameId,
            ["playerId"] = playerId,
            ["nickname"] = me.Profile.Nickname,
            ["team"] = me.Profile.Team,
            ["score"] = me.Score,
            ["rank"] = board.RankOf(me),
            ["players"] = board.PlayerCount,
            ["teamScore"] = board.TeamScoreOf(me),
        };
    }

    private static string Text(JsonElement input, string name) =>
        input.ValueKind == JsonValueKind.Object && input.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new ArgumentException($"The input needs a string '{name}'.");
}
