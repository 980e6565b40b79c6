using System.Buffers;
using System.Text;
using System.Text.Json;
using Game.Functions.Contracts;
using Microsoft.Data.Sqlite;
using SQLitePCL;

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
        database.WriteAsync<IReadOnlyList<(string, PlayerLedger)>>((connection, _) =>
        {
            // The score function's hot write: hundreds of ledgers per invocation (docs/performance.md). Two statements
            // prepared once per call on the writer's connection, inside its transaction, each bound by index and
            // stepped once per player: a SqliteCommand per player cost more in binding by name, boxing and its reader
            // than SQLite spent on the rows. Each player's read sees the write before it, so a player named twice is
            // updated twice, the second time from the first one's ledger.
            var written = new List<(string, PlayerLedger)>(updates.Count);
            using var ledgers = new LedgerStatements(connection.Handle!, gameId);
            foreach (var (playerId, apply) in updates)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // Unknown to the game: skipped, as the contract says.
                if (ledgers.Read(playerId) is not { } ledger)
                {
                    continue;
                }

                var next = apply(ledger);
                if (next != ledger)
                {
                    ledgers.Write(playerId, next);
                }

                written.Add((playerId, next));
            }

            return Task.FromResult<IReadOnlyList<(string, PlayerLedger)>>(written);
        }, cancellationToken);

    /// <summary>
    /// The ledger read and write of <see cref="UpdateLedgersAsync"/> as raw SQLite statements on the writer's
    /// connection (the transaction is the connection's, so they run inside the write's savepoint).
    /// </summary>
    private sealed class LedgerStatements : IDisposable
    {
        private const int PlayerParameter = 2;

        /// <summary>Ids up to this many UTF-8 bytes are encoded on the stack; longer ones rent a buffer.</summary>
        private const int StackIdBytes = 256;

        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _select;
        private readonly sqlite3_stmt _update;

        public LedgerStatements(sqlite3 db, string gameId)
        {
            _db = db;
            _select = Prepare(db, "SELECT score, last_seq, last_sample_time, counted_until FROM players WHERE game_id = ?1 AND player_id = ?2");
            try
            {
                _update = Prepare(db, "UPDATE players SET score = ?3, last_seq = ?4, last_sample_time = ?5, counted_until = ?6 WHERE game_id = ?1 AND player_id = ?2");
            }
            catch
            {
                _select.Dispose();
                throw;
            }

            // Bindings outlive sqlite3_reset: the game is bound once for every player.
            Check(raw.sqlite3_bind_text(_select, 1, gameId));
            Check(raw.sqlite3_bind_text(_update, 1, gameId));
        }

        /// <summary>The player's ledger, or null when the game has no such player.</summary>
        public PlayerLedger? Read(string playerId)
        {
            BindPlayer(_select, playerId);
            try
            {
                var rc = raw.sqlite3_step(_select);
                if (rc == raw.SQLITE_DONE)
                {
                    return null;
                }

                if (rc != raw.SQLITE_ROW)
                {
                    Check(rc);
                }

                var time = raw.sqlite3_column_double(_select, 2);
                return new PlayerLedger
                {
                    Score = raw.sqlite3_column_int64(_select, 0),
                    LastSeq = raw.sqlite3_column_int64(_select, 1),
                    LastSampleTime = SqliteRows.ReadTime(time),
                    CountedUntil = raw.sqlite3_column_int64(_select, 3),
                };
            }
            finally
            {
                raw.sqlite3_reset(_select);
            }
        }

        public void Write(string playerId, PlayerLedger ledger)
        {
            BindPlayer(_update, playerId);
            Check(raw.sqlite3_bind_int64(_update, 3, ledger.Score));
            Check(raw.sqlite3_bind_int64(_update, 4, ledger.LastSeq));
            Check(raw.sqlite3_bind_double(_update, 5, SqliteRows.StoredTime(ledger.LastSampleTime)));
            Check(raw.sqlite3_bind_int64(_update, 6, ledger.CountedUntil));
            try
            {
                var rc = raw.sqlite3_step(_update);
                if (rc != raw.SQLITE_DONE)
                {
                    Check(rc);
                }
            }
            finally
            {
                raw.sqlite3_reset(_update);
            }
        }

        public void Dispose()
        {
            _select.Dispose();
            _update.Dispose();
        }

        private static sqlite3_stmt Prepare(sqlite3 db, string sql)
        {
            var rc = raw.sqlite3_prepare_v2(db, sql, out var statement);
            if (rc == raw.SQLITE_OK)
            {
                return statement;
            }

            statement.Dispose();
            SqliteException.ThrowExceptionForRC(rc, db);
            throw new SqliteException($"Preparing '{sql}' failed.", rc);
        }

        /// <summary>Binds the player id as UTF-8 without a string-to-bytes array per call (SQLite copies it).</summary>
        private void BindPlayer(sqlite3_stmt statement, string playerId)
        {
            var length = Encoding.UTF8.GetMaxByteCount(playerId.Length);
            byte[]? rented = null;
            Span<byte> buffer = length <= StackIdBytes ? stackalloc byte[StackIdBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
            try
            {
                var written = Encoding.UTF8.GetBytes(playerId, buffer);
                Check(raw.sqlite3_bind_text(statement, PlayerParameter, buffer[..written]));
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }

        private void Check(int rc)
        {
            if (rc != raw.SQLITE_OK)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
        }
    }
}
