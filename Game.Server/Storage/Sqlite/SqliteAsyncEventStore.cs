using Game.Server.Functions.AsyncInvocations;
using Microsoft.Data.Sqlite;

namespace Game.Server.Storage.Sqlite;

/// <summary>
/// <see cref="IAsyncEventStore"/> on the embedded file: the <c>async_events</c> table, times as UTC ticks. Each
/// write is one statement of the <see cref="SqliteGroupCommit"/>'s writer, so the revision cannot move between its
/// condition and its effect, and the 202 is answered only after the commit that holds the event.
/// </summary>
public sealed class SqliteAsyncEventStore(SqliteDatabase database) : IAsyncEventStore
{
    private const string Columns = "id, function_name, received_at, attempts, last_error, visible_at, owner, revision, payload";

    public Task<AsyncEvent?> PutAsync(AsyncEvent asyncEvent, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = asyncEvent.Revision == 0
                ? $"""
                  INSERT INTO async_events ({Columns})
                  VALUES ($id, $function, $receivedAt, $attempts, $lastError, $visibleAt, $owner, 1, $payload)
                  ON CONFLICT (id) DO NOTHING
                  RETURNING revision
                  """
                : """
                  UPDATE async_events SET function_name = $function, received_at = $receivedAt, attempts = $attempts,
                      last_error = $lastError, visible_at = $visibleAt, owner = $owner, revision = revision + 1, payload = $payload
                  WHERE id = $id AND revision = $expected
                  RETURNING revision
                  """;
            command.Parameters.AddWithValue("$id", asyncEvent.Id);
            command.Parameters.AddWithValue("$function", asyncEvent.FunctionName);
            command.Parameters.AddWithValue("$receivedAt", asyncEvent.ReceivedAt.UtcTicks);
            command.Parameters.AddWithValue("$attempts", asyncEvent.Attempts);
            command.Parameters.AddWithValue("$lastError", (object?)asyncEvent.LastError ?? DBNull.Value);
            command.Parameters.AddWithValue("$visibleAt", asyncEvent.VisibleAt.UtcTicks);
            command.Parameters.AddWithValue("$owner", (object?)asyncEvent.Owner ?? DBNull.Value);
            command.Parameters.AddWithValue("$payload", asyncEvent.Payload);
            command.Parameters.AddWithValue("$expected", asyncEvent.Revision);
            return await command.ExecuteScalarAsync(cancellationToken) is long revision ? asyncEvent with { Revision = revision } : null;
        }, cancellationToken);

    public Task<bool> DeleteAsync(string id, long expectedRevision, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM async_events WHERE id = $id AND revision = $expected";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$expected", expectedRevision);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public Task<IReadOnlyList<AsyncEvent>> ListVisibleAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {Columns} FROM async_events WHERE visible_at <= $now ORDER BY visible_at, id LIMIT $limit",
            command =>
            {
                command.Parameters.AddWithValue("$now", now.UtcTicks);
                command.Parameters.AddWithValue("$limit", limit);
            },
            cancellationToken);

    public Task<IReadOnlyList<AsyncEvent>> ListAsync(CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM async_events ORDER BY id", _ => { }, cancellationToken);

    private async Task<IReadOnlyList<AsyncEvent>> QueryAsync(string sql, Action<SqliteCommand> parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        parameters(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<AsyncEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new AsyncEvent
            {
                Id = reader.GetString(0),
                FunctionName = reader.GetString(1),
                ReceivedAt = new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero),
                Attempts = reader.GetInt32(3),
                LastError = reader.IsDBNull(4) ? null : reader.GetString(4),
                VisibleAt = new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero),
                Owner = reader.IsDBNull(6) ? null : reader.GetString(6),
                Revision = reader.GetInt64(7),
                Payload = (byte[])reader.GetValue(8),
            });
        }

        return events;
    }
}
