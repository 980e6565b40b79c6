using Game.Functions.Contracts;
using Game.Server.EventSources.Leases;
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

    [Fact]
    public async Task Writes_ManyConcurrentWithOneFailing_CommitTogetherAndOnlyTheFailingOneIsRolledBack()
    {
        // Queued at once, these share commits: the lost lease and the throwing update must fail alone, rolled back
        // to their own savepoints, while every other write is durable.
        var lease = await Leases.AcquireLeaseAsync("score/motion/shardId-000000000000", "host-a", Token);
        for (var i = 0; i < 20; i++)
        {
            await Store.AddPlayerAsync("GAME", new PlayerProfile { PlayerId = $"p{i:D2}", Nickname = $"n{i}", Team = "blue" }, Token);
        }

        var updates = Enumerable.Range(0, 20)
            .Select(i => Store.UpdateLedgersAsync("GAME", [($"p{i:D2}", l => l with { Score = l.Score + i + 1, LastSeq = 1 })], Token))
            .ToList();
        var staleCheckpoint = Leases.SetCheckpointAsync(lease.LeaseKey, "100", lease.LeaseCounter + 1, Token);
        var checkpoint = Leases.SetCheckpointAsync(lease.LeaseKey, "200", lease.LeaseCounter, Token);
        var throwing = Store.UpdateLedgersAsync("GAME", [("p00", l => l with { Score = 1_000 }), ("p01", _ => throw new InvalidOperationException("boom"))], Token);

        await Task.WhenAll(updates);
        await checkpoint;
        await Assert.ThrowsAsync<LeaseLostException>(() => staleCheckpoint);
        Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => throwing)).Message);

        // Read back through a new store on the same file: what was acknowledged is on disk, the failed write is not.
        using var reopened = new SqliteGameStore(_path);
        await reopened.InitializeAsync(Token);
        var players = await reopened.GetPlayersAsync("GAME", Token);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), players.Select(p => p.Ledger.Score));
        Assert.Equal("200", await reopened.GetCheckpointAsync(lease.LeaseKey, Token));
    }
}
