using Game.Server.EventSources.Leases;
using Microsoft.Data.Sqlite;

namespace Game.Tests.Storage;

/// <summary>The shard lease contract on the embedded store, one temporary file per test; and lease tables an older version left.</summary>
public sealed class SqliteShardLeaseStoreTests : ShardLeaseStoreContract
{
    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await SqliteTestStore.CreateTemporaryAsync(cancellationToken);

    [Fact]
    public async Task Open_LeasesTableWithoutRenewalsOrParents_AddsThemAndKeepsTheRows()
    {
        var path = Path.Combine(Path.GetTempPath(), $"game-store-old-leases-{Guid.NewGuid():N}.db");
        try
        {
            await using (var old = new SqliteConnection($"Data Source={path};Pooling=false"))
            {
                await old.OpenAsync(Token);
                await using var command = old.CreateCommand();
                command.CommandText = """
                    CREATE TABLE leases (lease_key TEXT PRIMARY KEY, lease_owner TEXT NOT NULL, lease_counter INTEGER NOT NULL, checkpoint TEXT);
                    INSERT INTO leases VALUES ('score/motion/shardId-000000000000', 'host-a', 3, '4962');
                    """;
                await command.ExecuteNonQueryAsync(Token);
            }

            // Opened twice, as by a server that restarts: the second open finds the columns already there.
            await (await SqliteTestStore.OpenAsync(path, Token)).DisposeAsync();
            await using var store = await SqliteTestStore.OpenAsync(path, Token);

            Assert.True(await store.Leases.RenewLeaseAsync("score/motion/shardId-000000000000", "host-a", 3, Token));
            Assert.Equal(
                [new Lease { LeaseKey = "score/motion/shardId-000000000000", Owner = "host-a", LeaseCounter = 3, Checkpoint = "4962", Renewals = 1 }],
                await store.Leases.ListLeasesAsync("score/", Token));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(path);
        }
    }
}
