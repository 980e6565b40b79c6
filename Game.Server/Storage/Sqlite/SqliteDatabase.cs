using Microsoft.Data.Sqlite;

namespace Game.Server.Storage.Sqlite;

/// <summary>
/// The embedded store's one SQLite file (WAL, full fsync) in the data directory, shared by its three adapters
/// (<see cref="SqliteGameStore"/>, <see cref="SqliteShardLeaseStore"/>, <see cref="SqliteDeadLetterStore"/>).
/// Reads open pooled connections of their own; every write goes through the one writer connection of the
/// <see cref="SqliteGroupCommit"/>, so a write's read-modify-write cannot interleave with another write, which is
/// what the ports' conditions mean here.
/// </summary>
public sealed class SqliteDatabase : IStoreSetup, IDisposable
{
    private readonly string _connectionString;
    private SqliteConnection? _writer;
    private SqliteGroupCommit? _commits;

    public SqliteDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Creates the tables when missing (carrying an older file's rows over), then starts the writer. Call once.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_writer is not null)
        {
            throw new InvalidOperationException("The store is initialised already.");
        }

        _writer = await OpenAsync(cancellationToken);
        await SqliteSchema.CreateAsync(_writer, cancellationToken);
        _commits = new SqliteGroupCommit(_writer);
    }

    /// <summary>A connection for reading, with the file's settings applied; the caller disposes it.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <summary>
    /// Queues <paramref name="work"/> for the writer; it runs inside the writer's transaction, and the task completes
    /// only after the commit that carries it (see <see cref="SqliteGroupCommit"/>).
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        _commits is null
            ? throw new InvalidOperationException("The store is not initialised.")
            : _commits.WriteAsync(work, cancellationToken);

    public void Dispose()
    {
        // Writes already queued are still committed; later ones are refused.
        _commits?.Dispose();
        _writer?.Dispose();
    }
}
