namespace Game.Tests.Storage;

/// <summary>The control-plane store contract on DynamoDB's API (dynalite), new tables per test.</summary>
public sealed class DynamoDbControlPlaneStoreTests : ControlPlaneStoreContract
{
    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await DynamoDbTestStore.CreateTemporaryAsync(cancellationToken);
}
