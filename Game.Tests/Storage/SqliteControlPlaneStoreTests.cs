namespace Game.Tests.Storage;

/// <summary>The control-plane store contract on the embedded store, one temporary file per test.</summary>
public sealed class SqliteControlPlaneStoreTests : ControlPlaneStoreContract
{
    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await SqliteTestStore.CreateTemporaryAsync(cancellationToken);
}
