namespace Game.Tests.Storage;

/// <summary>The dead-letter store contract on the embedded store, one temporary file per test.</summary>
public sealed class SqliteDeadLetterStoreTests : DeadLetterStoreContract
{
    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await SqliteTestStore.CreateTemporaryAsync(cancellationToken);
}
