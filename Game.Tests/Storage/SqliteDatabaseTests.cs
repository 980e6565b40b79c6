using Game.Server.EventSources.Leases;
using Game.Server.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Game.Tests.Storage;

/// <summary>The embedded store's file: its set-up, and files an older version wrote.</summary>
public sealed class SqliteDatabaseTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"game-store-old-{Guid.NewGuid():N}.db");

    private CancellationToken Token => _timeout.Token;

    [Fact]
    public async Task Initialize_FileWithBareCheckpoints_CarriesThemIntoLeases()
    {
        await using (var old = new SqliteConnection($"Data Source={_path};Pooling=false"))
        {
            await old.OpenAsync(Token);
            await using var command = old.CreateCommand();
            command.CommandText = """
                CREATE TABLE checkpoints (lease_key TEXT PRIMARY KEY, sequence_number TEXT NOT NULL);
                INSERT INTO checkpoints VALUES ('score/motion/shardId-000000000000', '4962');
                """;
            await command.ExecuteNonQueryAsync(Token);
        }

        // Opened twice, as by a server that restarts: the second set-up finds nothing left to carry over.
        await (await SqliteTestStore.OpenAsync(_path, Token)).DisposeAsync();
        await using var store = await SqliteTestStore.OpenAsync(_path, Token);

        Assert.Equal("4962", await store.ReadCheckpointAsync("score/motion/shardId-000000000000", Token));
        Assert.Equal(
            new Lease { LeaseKey = "score/motion/shardId-000000000000", Owner = "host-a", LeaseCounter = 1, Checkpoint = "4962" },
            await store.Leases.AcquireLeaseAsync("score/motion/shardId-000000000000", "host-a", Token));
    }

    [Fact]
    public async Task Initialize_Twice_ThrowsAndTheFirstWriterKeepsWriting()
    {
        await using var store = await SqliteTestStore.OpenAsync(_path, Token);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.Database.InitializeAsync(Token));

        Assert.Equal("The store is initialised already.", error.Message);
        var lease = await store.Leases.AcquireLeaseAsync("score/motion/shardId-000000000000", "host-a", Token);
        await store.Leases.SetCheckpointAsync(lease.LeaseKey, "7", lease.LeaseCounter, Token);
        Assert.Equal("7", await store.ReadCheckpointAsync(lease.LeaseKey, Token));
    }

    [Fact]
    public void Write_BeforeInitialize_ThrowsNotInitialised()
    {
        using var database = new SqliteDatabase(_path);

        // Refused on the spot, not queued: nothing would ever run it.
        var error = Assert.Throws<InvalidOperationException>(() => { _ = new SqliteShardLeaseStore(database).AcquireLeaseAsync("k", "host-a", Token); });

        Assert.Equal("The store is not initialised.", error.Message);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }

        _timeout.Dispose();
    }
}
