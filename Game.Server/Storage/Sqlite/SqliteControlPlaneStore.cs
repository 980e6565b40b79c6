using Game.Server.Functions.ControlPlane;
using Microsoft.Data.Sqlite;

namespace Game.Server.Storage.Sqlite;

/// <summary>
/// <see cref="IControlPlaneStore"/> on the embedded file: the <c>control_plane</c> table (<c>kind</c>, <c>id</c>,
/// <c>revision</c>, <c>body</c>). Each write is one statement of the <see cref="SqliteGroupCommit"/>'s writer, so
/// the revision cannot move between its condition and its effect.
/// </summary>
public sealed class SqliteControlPlaneStore(SqliteDatabase database) : IControlPlaneStore
{
    public async Task<IReadOnlyList<ControlPlaneDocument>> ListAsync(string kind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT kind, id, revision, body FROM control_plane WHERE kind = $kind ORDER BY id";
        command.Parameters.AddWithValue("$kind", kind);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var documents = new List<ControlPlaneDocument>();
        while (await reader.ReadAsync(cancellationToken))
        {
            documents.Add(Read(reader));
        }

        return documents;
    }

    public Task<ControlPlaneDocument?> PutAsync(string kind, string id, string body, long expectedRevision, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = expectedRevision == 0
                ? """
                  INSERT INTO control_plane (kind, id, revision, body) VALUES ($kind, $id, 1, $body)
                  ON CONFLICT (kind, id) DO NOTHING
                  RETURNING kind, id, revision, body
                  """
                : """
                  UPDATE control_plane SET revision = revision + 1, body = $body
                  WHERE kind = $kind AND id = $id AND revision = $expected
                  RETURNING kind, id, revision, body
                  """;
            command.Parameters.AddWithValue("$kind", kind);
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$body", body);
            command.Parameters.AddWithValue("$expected", expectedRevision);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
        }, cancellationToken);

    public Task<bool> DeleteAsync(string kind, string id, long expectedRevision, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM control_plane WHERE kind = $kind AND id = $id AND revision = $expected";
            command.Parameters.AddWithValue("$kind", kind);
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$expected", expectedRevision);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    private static ControlPlaneDocument Read(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3));
}
