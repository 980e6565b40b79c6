using Game.Server.EventSources.Leases;

namespace Game.Server.Storage.Sqlite;

/// <summary>
/// <see cref="IShardLeaseStore"/> on the embedded file: the <c>leases</c> table. Every lease change is one write
/// of the <see cref="SqliteGroupCommit"/>, so a counter cannot move between a write's condition and its effect.
/// </summary>
public sealed class SqliteShardLeaseStore(SqliteDatabase database) : IShardLeaseStore
{
    public Task<Lease> AcquireLeaseAsync(string leaseKey, string owner, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
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
        database.WriteAsync(async (connection, transaction) =>
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
}
