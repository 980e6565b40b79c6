using System.Text.Json;
using Game.Functions.Contracts;

namespace Game.Server.Storage.Sqlite;

/// <summary><see cref="IDeadLetterStore"/> on the embedded file: the <c>dead_letters</c> table, each dead letter as JSON.</summary>
public sealed class SqliteDeadLetterStore(SqliteDatabase database) : IDeadLetterStore
{
    public Task AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO dead_letters (id, function_name, body) VALUES ($id, $function, $body)";
            command.Parameters.AddWithValue("$id", deadLetter.Id);
            command.Parameters.AddWithValue("$function", deadLetter.FunctionName);
            command.Parameters.AddWithValue("$body", JsonSerializer.Serialize(deadLetter, SqliteRows.Json));
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(string? functionName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
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
            deadLetters.Add(JsonSerializer.Deserialize<DeadLetter>(reader.GetString(0), SqliteRows.Json)!);
        }

        return deadLetters;
    }

    public async Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT body FROM dead_letters WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return await command.ExecuteScalarAsync(cancellationToken) is string body ? JsonSerializer.Deserialize<DeadLetter>(body, SqliteRows.Json) : null;
    }

    public Task MarkReplayedAsync(string id, DateTimeOffset replayedAt, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var select = connection.CreateCommand();
            select.Transaction = transaction;
            select.CommandText = "SELECT body FROM dead_letters WHERE id = $id";
            select.Parameters.AddWithValue("$id", id);
            if (await select.ExecuteScalarAsync(cancellationToken) is not string body)
            {
                throw new KeyNotFoundException($"No dead letter has the id '{id}'.");
            }

            var replayed = JsonSerializer.Deserialize<DeadLetter>(body, SqliteRows.Json)! with { ReplayedAt = replayedAt };
            await using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE dead_letters SET body = $body WHERE id = $id";
            update.Parameters.AddWithValue("$id", id);
            update.Parameters.AddWithValue("$body", JsonSerializer.Serialize(replayed, SqliteRows.Json));
            await update.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);
}
