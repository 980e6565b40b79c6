using Game.Server.EventSources.Leases;
using Microsoft.Data.Sqlite;

namespace Game.Server.Storage.Sqlite;

/// <summary>
/// <see cref="IShardLeaseStore"/> on the embedded file: the <c>leases</c> table (<c>lease_key</c>,
/// <c>lease_owner</c>, <c>lease_counter</c>, <c>checkpoint</c>, <c>renewals</c>, <c>parent_shard_ids</c>
/// comma-separated). Every lease change is one write of the <see cref="SqliteGroupCommit"/>, so a counter cannot
/// move between a write's condition and its effect.
/// </summary>
public sealed class SqliteShardLeaseStore(SqliteDatabase database) : IShardLeaseStore
{
    private const string Columns = "lease_key, lease_owner, lease_counter, checkpoint, renewals, parent_shard_ids";

    public Task<Lease> AcquireLeaseAsync(string leaseKey, string owner, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            // One writer and one transaction: nobody can bump the counter between this upsert and its read-back.
            await using var command = Command(connection, transaction, $"""
                INSERT INTO leases (lease_key, lease_owner, lease_counter, checkpoint) VALUES ($key, $owner, 1, NULL)
                ON CONFLICT (lease_key) DO UPDATE SET lease_owner = excluded.lease_owner, lease_counter = lease_counter + 1
                RETURNING {Columns}
                """, leaseKey);
            command.Parameters.AddWithValue("$owner", owner);
            return await SingleAsync(command, cancellationToken) ?? throw new InvalidOperationException("The upsert answered no row.");
        }, cancellationToken);

    public Task SetCheckpointAsync(string leaseKey, string sequenceNumber, long leaseCounter, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = Command(connection, transaction, "UPDATE leases SET checkpoint = $seq WHERE lease_key = $key AND lease_counter = $counter", leaseKey);
            command.Parameters.AddWithValue("$seq", sequenceNumber);
            command.Parameters.AddWithValue("$counter", leaseCounter);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1
                ? true
                : throw new LeaseLostException(leaseKey, leaseCounter);
        }, cancellationToken);

    public async Task<IReadOnlyList<Lease>> ListLeasesAsync(string keyPrefix, CancellationToken cancellationToken)
    {
        // A read on its own connection sees every write whose WriteAsync has answered (WAL, committed).
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {Columns} FROM leases WHERE substr(lease_key, 1, length($prefix)) = $prefix ORDER BY lease_key", "");
        command.Parameters.AddWithValue("$prefix", keyPrefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var leases = new List<Lease>();
        while (await reader.ReadAsync(cancellationToken))
        {
            leases.Add(Read(reader));
        }

        return leases;
    }

    public Task<bool> CreateLeaseIfMissingAsync(string leaseKey, IReadOnlyList<string> parentShardIds, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = Command(connection, transaction, """
                INSERT INTO leases (lease_key, lease_owner, lease_counter, checkpoint, parent_shard_ids) VALUES ($key, '', 0, NULL, $parents)
                ON CONFLICT (lease_key) DO NOTHING
                """, leaseKey);
            command.Parameters.AddWithValue("$parents", string.Join(',', parentShardIds));
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public Task<Lease?> TakeLeaseAsync(string leaseKey, string owner, long expectedCounter, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = Command(connection, transaction, $"""
                UPDATE leases SET lease_owner = $owner, lease_counter = lease_counter + 1
                WHERE lease_key = $key AND lease_counter = $counter
                RETURNING {Columns}
                """, leaseKey);
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$counter", expectedCounter);
            return await SingleAsync(command, cancellationToken);
        }, cancellationToken);

    public Task<bool> RenewLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken) =>
        OwnerWriteAsync("renewals = renewals + 1", leaseKey, owner, leaseCounter, cancellationToken);

    public Task<bool> ReleaseLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken) =>
        OwnerWriteAsync("lease_owner = '', lease_counter = lease_counter + 1", leaseKey, owner, leaseCounter, cancellationToken);

    public Task<bool> DeleteFinishedLeaseAsync(string leaseKey, long leaseCounter, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = Command(connection, transaction, "DELETE FROM leases WHERE lease_key = $key AND lease_counter = $counter AND checkpoint = $end", leaseKey);
            command.Parameters.AddWithValue("$counter", leaseCounter);
            command.Parameters.AddWithValue("$end", Lease.ShardEnd);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public Task<bool> DeleteLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            // An unowned row's owner is stored as '': the same condition serves a holder and a row nobody holds.
            await using var command = Command(connection, transaction, "DELETE FROM leases WHERE lease_key = $key AND lease_owner = $owner AND lease_counter = $counter", leaseKey);
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$counter", leaseCounter);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    private Task<bool> OwnerWriteAsync(string set, string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = Command(connection, transaction, $"UPDATE leases SET {set} WHERE lease_key = $key AND lease_owner = $owner AND lease_counter = $counter", leaseKey);
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$counter", leaseCounter);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string text, string leaseKey)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        command.Parameters.AddWithValue("$key", leaseKey);
        return command;
    }

    private static async Task<Lease?> SingleAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static Lease Read(SqliteDataReader reader) => new()
    {
        LeaseKey = reader.GetString(0),
        Owner = reader.GetString(1),
        LeaseCounter = reader.GetInt64(2),
        Checkpoint = reader.IsDBNull(3) ? null : reader.GetString(3),
        Renewals = reader.GetInt64(4),
        ParentShardIds = reader.GetString(5) is { Length: > 0 } parents ? parents.Split(',') : [],
    };
}
