namespace Game.Tests.Storage;

/// <summary>The game store contract on the embedded store, one temporary file per test.</summary>
public sealed class SqliteGameStoreTests : GameStoreContract
{
    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await SqliteTestStore.CreateTemporaryAsync(cancellationToken);
}
