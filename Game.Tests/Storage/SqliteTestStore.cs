using Game.Functions.Contracts;
using Game.Server.EventSources.Leases;
using Game.Server.Functions.AsyncInvocations;
using Game.Server.Functions.ControlPlane;
using Game.Server.Storage.Sqlite;

namespace Game.Tests.Storage;

/// <summary>The embedded store over one SQLite file, as the server wires it.</summary>
public sealed class SqliteTestStore : ITestStore
{
    private readonly bool _ownsFile;

    private SqliteTestStore(string path, bool ownsFile)
    {
        Database = new SqliteDatabase(path);
        Games = new SqliteGameStore(Database);
        Leases = new SqliteShardLeaseStore(Database);
        DeadLetters = new SqliteDeadLetterStore(Database);
        ControlPlane = new SqliteControlPlaneStore(Database);
        AsyncEvents = new SqliteAsyncEventStore(Database);
        _ownsFile = ownsFile;
    }

    public SqliteDatabase Database { get; }

    public IGameStore Games { get; }

    public IShardLeaseStore Leases { get; }

    public IDeadLetterStore DeadLetters { get; }

    public IControlPlaneStore ControlPlane { get; }

    public IAsyncEventStore AsyncEvents { get; }

    /// <summary>A new, empty file in the temporary folder, deleted again on dispose.</summary>
    public static Task<SqliteTestStore> CreateTemporaryAsync(CancellationToken cancellationToken) =>
        OpenAsync(Path.Combine(Path.GetTempPath(), $"game-store-{Guid.NewGuid():N}.db"), cancellationToken, ownsFile: true);

    /// <summary>The file at <paramref name="path"/> (a server's <c>game.db</c>, say), initialised; left in place on dispose.</summary>
    public static async Task<SqliteTestStore> OpenAsync(string path, CancellationToken cancellationToken, bool ownsFile = false)
    {
        var store = new SqliteTestStore(path, ownsFile);
        try
        {
            await store.Database.InitializeAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public Task<string?> ReadCheckpointAsync(string leaseKey, CancellationToken cancellationToken) =>
        LeaseCheckpoints.ReadAsync(Database, leaseKey, cancellationToken);

    public ValueTask DisposeAsync()
    {
        Database.Dispose();
        if (_ownsFile)
        {
            // Pooled connections may still hold the file; on Linux it can be unlinked all the same.
            foreach (var file in new[] { Database.Path, Database.Path + "-wal", Database.Path + "-shm" })
            {
                File.Delete(file);
            }
        }

        return ValueTask.CompletedTask;
    }
}
