using Game.Server.EventSources.Leases;

namespace Game.Tests.Storage;

/// <summary>The shard lease contract on DynamoDB's API (dynalite), new tables per test; and leases an older version left.</summary>
public sealed class DynamoDbShardLeaseStoreTests : ShardLeaseStoreContract
{
    private DynamoDbTestStore Dynamo => (DynamoDbTestStore)TestStore;

    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await DynamoDbTestStore.CreateTemporaryAsync(cancellationToken);

    [Fact]
    public async Task AcquireLease_BareCheckpointFromAnOlderVersion_CounterOneAndResumesFromIt()
    {
        const string Key = "score/motion/shardId-000000000000";
        await Dynamo.Tables.Client.PutItemAsync(new()
        {
            TableName = Dynamo.Tables.Leases,
            Item = new() { ["leaseKey"] = new() { S = Key }, ["checkpoint"] = new() { S = "4962" } },
        }, Token);

        var lease = await Leases.AcquireLeaseAsync(Key, "host-a", Token);

        Assert.Equal(new Lease { LeaseKey = Key, Owner = "host-a", LeaseCounter = 1, Checkpoint = "4962" }, lease);
    }
}
