using System.Text.Json;
using Game.Functions.Contracts;
using Microsoft.Data.Sqlite;

namespace Game.Server.Storage.Sqlite;

/// <summary>
/// <see cref="IGameStore"/> on the embedded file: games, players and their ledgers. A ledger update is a
/// read-modify-write inside one write of the <see cref="SqliteGroupCommit"/>, so no other write can come between
/// its read and its write, and a replayed update reads what the first one wrote.
/// </summary>
public sealed class SqliteGameStore(SqliteDatabase database) : IGameStore
{
    public Task SaveGameAsync(GameRecord game, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO games (game_id, created_at, body) VALUES ($id, $created, $body) ON CONFLICT (game_id) DO UPDATE SET body = excluded.body";
            command.Parameters.AddWithValue("$id", game.GameId);
            command.Parameters.AddWithValue("$created", game.CreatedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$body", JsonSerializer.Serialize(game, SqliteRows.Json));
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);

    public async Task<GameRecord?> GetGameAsync(string gameId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT body FROM games WHERE game_id = $id";
        command.Parameters.AddWithValue("$id", gameId);
        return await command.ExecuteScalarAsync(cancellationToken) is string body ? JsonSerializer.Deserialize<GameRecord>(body, SqliteRows.Json) : null;
    }

    public async Task<IReadOnlyList<GameRecord>> ListGamesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT body FROM games ORDER BY created_at DESC, game_id";
        var games = new List<GameRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            games.Add(JsonSerializer.Deserialize<GameRecord>(reader.GetString(0), SqliteRows.Json)!);
        }

        return games;
    }

    public Task AddPlayerAsync(string gameId, PlayerProfile player, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO players (game_id, player_id, nickname, team, score, last_seq, last_sample_time)
                VALUES ($game, $player, $nickname, $team, 0, 0, $time) ON CONFLICT DO NOTHING
                """;
            command.Parameters.AddWithValue("$game", gameId);
            command.Parameters.AddWithValue("$player", player.PlayerId);
            command.Parameters.AddWithValue("$nickname", player.Nickname);
            command.Parameters.AddWithValue("$team", player.Team);
            command.Parameters.AddWithValue("$time", double.MinValue);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);

    public async Task<IReadOnlyList<PlayerRow>> GetPlayersAsync(string gameId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT player_id, nickname, team, score, last_seq, last_sample_time, counted_until FROM players WHERE game_id = $game ORDER BY player_id";
        command.Parameters.AddWithValue("$game", gameId);
        var players = new List<PlayerRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            players.Add(new PlayerRow(
                new PlayerProfile { PlayerId = reader.GetString(0), Nickname = reader.GetString(1), Team = reader.GetString(2) },
                SqliteRows.ReadLedger(reader, 3)));
        }

        return players;
    }

    public Task<IReadOnlyList<(string PlayerId, PlayerLedger Ledger)>> UpdateLedgersAsync(
        string gameId,
        IReadOnlyList<(string PlayerId, Func<PlayerLedger, PlayerLedger> Update)> updates,
        CancellationToken cancellationToken) =>
        database.WriteAsync<IReadOnlyList<(string, PlayerLedger)>>(async (connection, transaction) =>
        {
            // One query reads every ledger of the batch: a statement per player cost more than the updates themselves.
            var current = new Dictionary<string, PlayerLedger>(updates.Count, StringComparer.Ordinal);
            await using (var select = connection.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = """
                    SELECT player_id, score, last_seq, last_sample_time, counted_until FROM players
                    WHERE game_id = $game AND player_id IN (SELECT value FROM json_each($players))
                    """;
                select.Parameters.AddWithValue("$game", gameId);
                select.Parameters.AddWithValue("$players", JsonSerializer.Serialize(updates.Select(u => u.PlayerId), SqliteRows.Json));
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    current[reader.GetString(0)] = SqliteRows.ReadLedger(reader, 1);
                }
            }

            await using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE players SET score = $score, last_seq = $seq, last_sample_time = $time, counted_until = $until WHERE game_id = $game AND player_id = $player";
            update.Parameters.AddWithValue("$game", gameId);
            var updatePlayer = update.Parameters.Add("$player", SqliteType.Text);
            var updateScore = update.Parameters.Add("$score", SqliteType.Integer);
            var updateSeq = update.Parameters.Add("$seq", SqliteType.Integer);
            var updateTime = update.Parameters.Add("$time", SqliteType.Real);
            var updateUntil = update.Parameters.Add("$until", SqliteType.Integer);

            var written = new List<(string, PlayerLedger)>(updates.Count);
            foreach (var (playerId, apply) in updates)
            {
                // Unknown to the game: skipped, as the contract says.
                if (!current.TryGetValue(playerId, out var ledger))
                {
                    continue;
                }

                var next = apply(ledger);
                if (next != ledger)
                {
                    updatePlayer.Value = playerId;
                    updateScore.Value = next.Score;
                    updateSeq.Value = next.LastSeq;
                    updateTime.Value = SqliteRows.StoredTime(next.LastSampleTime);
                    updateUntil.Value = next.CountedUntil;
                    await update.ExecuteNonQueryAsync(cancellationToken);
                }

                current[playerId] = next;
                written.Add((playerId, next));
            }

            return written;
        }, cancellationToken);
}
