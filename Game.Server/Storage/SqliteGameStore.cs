using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Game.Functions.Contracts;
using Game.Server.EventSources.Leases;
using Microsoft.Data.Sqlite;

namespace Game.Server.Storage;

/// <summary>
/// The embedded store: one SQLite file (WAL, full fsync) in the data directory, holding games, ledgers, leases
/// and dead letters. Writes go through one connection, one after another; each ledger update or lease change is a
/// read-modify-write that no other write can interleave with, which is what the store contract's conditions mean here.
/// </summary>
/// <remarks>
/// Group commit, as the ingest stream does it: the writer takes every write queued while the last commit was on
/// its way to the disk and runs them in one transaction, each inside its own savepoint, so one write that fails
/// (a lost lease, a cancelled caller) is rolled back alone and the others still commit. A write's task completes
/// only after the commit that carries it, so what a caller saw succeed is on disk. The profile of a saturated run
/// had the one-commit-per-write store busy 88 % of the time (docs/performance.md).
/// </remarks>
public sealed class SqliteGameStore : IGameStore, IShardLeaseStore, IDeadLetterStore, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Writes one commit carries at most, so a flood of writes still gets answered in steps.</summary>
    private const int MaxWritesPerCommit = 256;

    private readonly string _connectionString;
    private readonly Channel<PendingWrite> _writes = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private SqliteConnection? _writer;
    private Task? _writeLoop;

    public SqliteGameStore(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        _writer = await OpenAsync(cancellationToken);
        await using var command = _writer.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS games (
                game_id TEXT PRIMARY KEY,
                created_at INTEGER NOT NULL,
                body TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS players (
                game_id TEXT NOT NULL,
                player_id TEXT NOT NULL,
                nickname TEXT NOT NULL,
                team TEXT NOT NULL,
                score INTEGER NOT NULL,
                last_seq INTEGER NOT NULL,
                last_sample_time REAL NOT NULL,
                PRIMARY KEY (game_id, player_id)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS leases (
                lease_key TEXT PRIMARY KEY,
                lease_owner TEXT NOT NULL,
                lease_counter INTEGER NOT NULL,
                checkpoint TEXT);
            CREATE TABLE IF NOT EXISTS dead_letters (
                id TEXT PRIMARY KEY,
                function_name TEXT NOT NULL,
                body TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS dead_letters_by_function ON dead_letters (function_name, id);
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);

        // Files written before leases had counters kept bare checkpoints; carry them over with counter 0, so the
        // next acquisition (counter 1) resumes from them instead of from the mapping's starting position.
        await using var migrate = _writer.CreateCommand();
        migrate.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'checkpoints'";
        if (Convert.ToInt64(await migrate.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0)
        {
            migrate.CommandText = """
                INSERT INTO leases (lease_key, lease_owner, lease_counter, checkpoint)
                SELECT lease_key, '', 0, sequence_number FROM checkpoints WHERE true ON CONFLICT DO NOTHING;
                DROP TABLE checkpoints;
                """;
            await migrate.ExecuteNonQueryAsync(cancellationToken);
        }

        _writeLoop = Task.Run(WriteLoopAsync, CancellationToken.None);
    }

    public Task SaveGameAsync(GameRecord game, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO games (game_id, created_at, body) VALUES ($id, $created, $body) ON CONFLICT (game_id) DO UPDATE SET body = excluded.body";
            command.Parameters.AddWithValue("$id", game.GameId);
            command.Parameters.AddWithValue("$created", game.CreatedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$body", JsonSerializer.Serialize(game, Json));
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);

    public async Task<GameRecord?> GetGameAsync(string gameId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT body FROM games WHERE game_id = $id";
        command.Parameters.AddWithValue("$id", gameId);
        return await command.ExecuteScalarAsync(cancellationToken) is string body ? JsonSerializer.Deserialize<GameRecord>(body, Json) : null;
    }

    public async Task<IReadOnlyList<GameRecord>> ListGamesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT body FROM games ORDER BY created_at DESC, game_id";
        var games = new List<GameRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            games.Add(JsonSerializer.Deserialize<GameRecord>(reader.GetString(0), Json)!);
        }

        return games;
    }

    public Task AddPlayerAsync(string gameId, PlayerProfile player, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
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
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT player_id, nickname, team, score, last_seq, last_sample_time FROM players WHERE game_id = $game ORDER BY player_id";
        command.Parameters.AddWithValue("$game", gameId);
        var players = new List<PlayerRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            players.Add(new PlayerRow(
                new PlayerProfile { PlayerId = reader.GetString(0), Nickname = reader.GetString(1), Team = reader.GetString(2) },
                ReadLedger(reader, 3)));
        }

        return players;
    }

    public Task<IReadOnlyList<(string PlayerId, PlayerLedger Ledger)>> UpdateLedgersAsync(
        string gameId,
        IReadOnlyList<(string PlayerId, Func<PlayerLedger, PlayerLedger> Update)> updates,
        CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<(string, PlayerLedger)>>(async (connection, transaction) =>
        {
            // One query reads every ledger of the batch: a statement per player cost more than the updates themselves.
            var current = new Dictionary<string, PlayerLedger>(updates.Count, StringComparer.Ordinal);
            await using (var select = connection.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = """
                    SELECT player_id, score, last_seq, last_sample_time FROM players
                    WHERE game_id = $game AND player_id IN (SELECT value FROM json_each($players))
                    """;
                select.Parameters.AddWithValue("$game", gameId);
                select.Parameters.AddWithValue("$players", JsonSerializer.Serialize(updates.Select(u => u.PlayerId), Json));
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    current[reader.GetString(0)] = ReadLedger(reader, 1);
                }
            }

            await using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE players SET score = $score, last_seq = $seq, last_sample_time = $time WHERE game_id = $game AND player_id = $player";
            update.Parameters.AddWithValue("$game", gameId);
            var updatePlayer = update.Parameters.Add("$player", SqliteType.Text);
            var updateScore = update.Parameters.Add("$score", SqliteType.Integer);
            var updateSeq = update.Parameters.Add("$seq", SqliteType.Integer);
            var updateTime = update.Parameters.Add("$time", SqliteType.Real);

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
                    updateTime.Value = StoredTime(next.LastSampleTime);
                    await update.ExecuteNonQueryAsync(cancellationToken);
                }

                current[playerId] = next;
                written.Add((playerId, next));
            }

            return written;
        }, cancellationToken);

    public async Task<string?> GetCheckpointAsync(string leaseKey, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT checkpoint FROM leases WHERE lease_key = $key";
        command.Parameters.AddWithValue("$key", leaseKey);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public Task<Lease> AcquireLeaseAsync(string leaseKey, string owner, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            // One writer and one transaction: nobody can bump the counter between this upsert and its read-back.
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO leases (lease_key, lease_owner, lease_counter, checkpoint) VALUES ($key, $owner, 1, NULL)
                ON CONFLICT (lease_key) DO UPDATE SET lease_owner = excluded.lease_owner, lease_counter = lease_counter + 1
                RETURNING lease_counter, checkpoint
                """;
            command.Parameters.AddWithValue("$key", leaseKey);
            command.Parameters.AddWithValue("$owner", owner);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new Lease
            {
                LeaseKey = leaseKey,
                Owner = owner,
                LeaseCounter = reader.GetInt64(0),
                Checkpoint = reader.IsDBNull(1) ? null : reader.GetString(1),
            };
        }, cancellationToken);

    public Task SetCheckpointAsync(string leaseKey, string sequenceNumber, long leaseCounter, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "UPDATE leases SET checkpoint = $seq WHERE lease_key = $key AND lease_counter = $counter";
            command.Parameters.AddWithValue("$key", leaseKey);
            command.Parameters.AddWithValue("$seq", sequenceNumber);
            command.Parameters.AddWithValue("$counter", leaseCounter);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1
                ? true
                : throw new LeaseLostException(leaseKey, leaseCounter);
        }, cancellationToken);

    public Task AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO dead_letters (id, function_name, body) VALUES ($id, $function, $body)";
            command.Parameters.AddWithValue("$id", deadLetter.Id);
            command.Parameters.AddWithValue("$function", deadLetter.FunctionName);
            command.Parameters.AddWithValue("$body", JsonSerializer.Serialize(deadLetter, Json));
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(string? functionName, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Ids sort in failure order; ORDER BY on TEXT compares bytes, the same order DynamoDB's store sorts in.
        command.CommandText = functionName is null
            ? "SELECT body FROM dead_letters ORDER BY id"
            : "SELECT body FROM dead_letters WHERE function_name = $function ORDER BY id";
        command.Parameters.AddWithValue("$function", (object?)functionName ?? DBNull.Value);
        var deadLetters = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            deadLetters.Add(JsonSerializer.Deserialize<DeadLetter>(reader.GetString(0), Json)!);
        }

        return deadLetters;
    }

    public async Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT body FROM dead_letters WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return await command.ExecuteScalarAsync(cancellationToken) is string body ? JsonSerializer.Deserialize<DeadLetter>(body, Json) : null;
    }

    public Task MarkReplayedAsync(string id, DateTimeOffset replayedAt, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            await using var select = connection.CreateCommand();
            select.Transaction = transaction;
            select.CommandText = "SELECT body FROM dead_letters WHERE id = $id";
            select.Parameters.AddWithValue("$id", id);
            if (await select.ExecuteScalarAsync(cancellationToken) is not string body)
            {
                throw new KeyNotFoundException($"No dead letter has the id '{id}'.");
            }

            var replayed = JsonSerializer.Deserialize<DeadLetter>(body, Json)! with { ReplayedAt = replayedAt };
            await using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE dead_letters SET body = $body WHERE id = $id";
            update.Parameters.AddWithValue("$id", id);
            update.Parameters.AddWithValue("$body", JsonSerializer.Serialize(replayed, Json));
            await update.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);

    public void Dispose()
    {
        // Writes already queued are still committed; later ones are refused.
        _writes.Writer.TryComplete();
        _writeLoop?.Wait(TimeSpan.FromSeconds(10));
        _writer?.Dispose();
    }

    private static PlayerLedger ReadLedger(SqliteDataReader reader, int first) => new()
    {
        Score = reader.GetInt64(first),
        LastSeq = reader.GetInt64(first + 1),
        LastSampleTime = reader.GetDouble(first + 2) is var t && t == double.MinValue ? double.NegativeInfinity : t,
    };

    /// <summary>SQLite stores no infinities in REAL columns portably; "no sample yet" is kept as double.MinValue.</summary>
    private static double StoredTime(double time) => double.IsNegativeInfinity(time) ? double.MinValue : time;

    private Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        if (_writer is null)
        {
            throw new InvalidOperationException("The store is not initialised.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var write = new PendingWrite<T>(work, cancellationToken);
        return _writes.Writer.TryWrite(write) ? write.Completion.Task : throw new ObjectDisposedException(nameof(SqliteGameStore));
    }

    private async Task WriteLoopAsync()
    {
        var connection = _writer!;
        var batch = new List<PendingWrite>(MaxWritesPerCommit);
        while (await _writes.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxWritesPerCommit && _writes.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            try
            {
                await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
                foreach (var write in batch)
                {
                    if (write.CancellationToken.IsCancellationRequested)
                    {
                        write.Cancel();
                        continue;
                    }

                    await transaction.SaveAsync("write");
                    try
                    {
                        await write.RunAsync(connection, transaction);
                        await transaction.ReleaseAsync("write");
                    }
                    catch (Exception ex)
                    {
                        // Should the rollback itself fail, the whole batch fails below.
                        await transaction.RollbackAsync("write");
                        await transaction.ReleaseAsync("write");
                        write.Fail(ex);
                    }
                }

                await transaction.CommitAsync();
                foreach (var write in batch)
                {
                    write.Complete();
                }
            }
            catch (Exception ex)
            {
                // The commit (or the disk under it) failed: nothing of this batch is durable.
                foreach (var write in batch)
                {
                    write.Fail(ex);
                }
            }
        }
    }

    /// <summary>A queued write: its work, run inside the writer's transaction, and the task its caller awaits.</summary>
    private abstract class PendingWrite(CancellationToken cancellationToken)
    {
        public CancellationToken CancellationToken { get; } = cancellationToken;

        public abstract Task RunAsync(SqliteConnection connection, SqliteTransaction transaction);

        /// <summary>After the commit: the caller gets the work's result (a write that failed or was cancelled keeps that).</summary>
        public abstract void Complete();

        public abstract void Fail(Exception exception);

        public abstract void Cancel();
    }

    private sealed class PendingWrite<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
        : PendingWrite(cancellationToken)
    {
        private T? _result;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task RunAsync(SqliteConnection connection, SqliteTransaction transaction) =>
            _result = await work(connection, transaction);

        public override void Complete() => Completion.TrySetResult(_result!);

        public override void Fail(Exception exception) => Completion.TrySetException(exception);

        public override void Cancel() => Completion.TrySetCanceled(CancellationToken);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }
}
