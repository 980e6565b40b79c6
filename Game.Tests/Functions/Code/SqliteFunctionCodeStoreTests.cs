using Game.Tests.Storage;

namespace Game.Tests.Functions.Code;

/// <summary>The code store on the embedded store, one temporary file per test.</summary>
public sealed class SqliteFunctionCodeStoreTests : FunctionCodeStoreContract
{
    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await SqliteTestStore.CreateTemporaryAsync(cancellationToken);
}
