namespace Game.Tests.Storage;

/// <summary>The shard lease contract on the embedded store, one temporary file per test.</summary>
public sealed class SqliteShardLeaseStoreTests : ShardLeaseStoreContract
{
    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await SqliteTestStore.CreateTemporaryAsync(cancellationToken);
}
