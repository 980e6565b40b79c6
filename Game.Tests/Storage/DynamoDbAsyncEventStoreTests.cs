namespace Game.Tests.Storage;

/// <summary>The async event store contract on DynamoDB's API (dynalite), new tables per test.</summary>
public sealed class DynamoDbAsyncEventStoreTests : AsyncEventStoreContract
{
    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await DynamoDbTestStore.CreateTemporaryAsync(cancellationToken);
}
