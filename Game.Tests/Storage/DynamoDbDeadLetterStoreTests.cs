namespace Game.Tests.Storage;

/// <summary>The dead-letter store contract on DynamoDB's API (dynalite), new tables per test.</summary>
public sealed class DynamoDbDeadLetterStoreTests : DeadLetterStoreContract
{
    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await DynamoDbTestStore.CreateTemporaryAsync(cancellationToken);
}
