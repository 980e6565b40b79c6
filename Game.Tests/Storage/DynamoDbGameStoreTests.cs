namespace Game.Tests.Storage;

/// <summary>The game store contract on DynamoDB's API (dynalite), new tables per test.</summary>
public sealed class DynamoDbGameStoreTests : GameStoreContract
{
    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await DynamoDbTestStore.CreateTemporaryAsync(cancellationToken);
}
