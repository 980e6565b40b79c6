using Game.Tests.Storage;

namespace Game.Tests.Functions.Code;

/// <summary>The code store on DynamoDB's API (dynalite, which enforces the 400 KB item limit), new tables per test.</summary>
public sealed class DynamoDbFunctionCodeStoreTests : FunctionCodeStoreContract
{
    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await DynamoDbTestStore.CreateTemporaryAsync(cancellationToken);
}
