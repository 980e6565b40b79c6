using Game.Functions.Contracts;
using Game.Server.Storage;
using Microsoft.Data.Sqlite;

namespace Game.Tests.Storage;

/// <summary>The store contract against the embedded store, one temporary file per test.</summary>
public sealed class SqliteGameStoreContractTests : GameStoreContract
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"game-store-{Guid.NewGuid():N}.db");

    protected override IGameStore CreateStore() => new SqliteGameStore(_path);

    protected override Task DeleteStoreAsync()
    {
        // Pooled connections may still hold the file; on Linux it can be unlinked all the same.
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Initialize_FileWithBareCheckpoints_CarriesThemIntoLeases()
    {
        var path = Path.Combine(Path.GetTempPath(), $"game-store-old-{Guid.NewGuid():N}.db");
        try
        {
            await using (var old = new SqliteConnection($"Data Source={path};Pooling=false"))
            {
                await old.OpenAsync(Token);
                await using var command = old.CreateCommand();
                command.CommandText = """
                    CREATE TABLE checkpoints (lease_key TEXT PRIMARY KEY, sequence_number TEXT NOT NULL);
                    INSERT INTO checkpoints VALUES ('score/motion/shardId-000000000000', '4962');
                    """;
                await command.ExecuteNonQueryAsync(Token);
            }

            using var store = new SqliteGameStore(path);
            await store.InitializeAsync(Token);
            await store.InitializeAsync(Token);

            Assert.Equal("4962", await store.GetCheckpointAsync("score/motion/shardId-000000000000", Token));
            Assert.Equal(
                new Lease { LeaseKey = "score/motion/shardId-000000000000", Owner = "host-a", LeaseCounter = 1, Checkpoint = "4962" },
                await store.AcquireLeaseAsync("score/motion/shardId-000000000000", "host-a", Token));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(file);
            }
        }
    }
}
