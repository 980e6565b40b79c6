namespace Game.Tests.Storage;

/// <summary>The async event store contract on the embedded store, one temporary file per test.</summary>
public sealed class SqliteAsyncEventStoreTests : AsyncEventStoreContract
{
    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await SqliteTestStore.CreateTemporaryAsync(cancellationToken);
}
