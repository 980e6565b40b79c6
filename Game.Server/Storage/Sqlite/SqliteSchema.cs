using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Game.Server.Storage.Sqlite;

/// <summary>The embedded store's tables (see docs/storage.md), and the carry-over from older files.</summary>
internal static class SqliteSchema
{
    public static async Task CreateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
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
                counted_until INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (game_id, player_id)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS leases (
                lease_key TEXT PRIMARY KEY,
                lease_owner TEXT NOT NULL,
                lease_counter INTEGER NOT NULL,
                checkpoint TEXT,
                renewals INTEGER NOT NULL DEFAULT 0,
                parent_shard_ids TEXT NOT NULL DEFAULT '');
            CREATE TABLE IF NOT EXISTS dead_letters (
                id TEXT PRIMARY KEY,
                function_name TEXT NOT NULL,
                body TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS dead_letters_by_function ON dead_letters (function_name, id);
            CREATE TABLE IF NOT EXISTS control_plane (
                kind TEXT NOT NULL,
                id TEXT NOT NULL,
                revision INTEGER NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (kind, id)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS async_events (
                id TEXT PRIMARY KEY,
                function_name TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                last_error TEXT,
                visible_at INTEGER NOT NULL,
                owner TEXT,
                revision INTEGER NOT NULL,
                payload BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS async_events_by_visibility ON async_events (visible_at, id);
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);

        // Files written before the lease table kept renewals and lineage: add the columns (a finished shard's
        // parents are empty there, as the embedded stream's shards have none).
        await AddColumnIfMissingAsync(connection, "leases", "renewals", "INTEGER NOT NULL DEFAULT 0", cancellationToken);
        await AddColumnIfMissingAsync(connection, "leases", "parent_shard_ids", "TEXT NOT NULL DEFAULT ''", cancellationToken);

        // Files written before leases had counters kept bare checkpoints; carry them over with counter 0, so the
        // next acquisition (counter 1) resumes from them instead of from the mapping's starting position.
        await using var migrate = connection.CreateCommand();
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

        // Files written before the server clock's rule have no counted_until: every ledger starts from 0.
        migrate.CommandText = "SELECT count(*) FROM pragma_table_info('players') WHERE name = 'counted_until'";
        if (Convert.ToInt64(await migrate.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0)
        {
            migrate.CommandText = "ALTER TABLE players ADD COLUMN counted_until INTEGER NOT NULL DEFAULT 0";
            await migrate.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task AddColumnIfMissingAsync(SqliteConnection connection, string table, string column, string definition, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM pragma_table_info('{table}') WHERE name = '{column}'";
        if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0)
        {
            command.CommandText = $"ALTER TABLE {table} ADD COLUMN {column} {definition}";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
