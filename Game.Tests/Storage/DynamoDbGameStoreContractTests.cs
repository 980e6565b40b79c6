using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Game.Functions.Contracts;
using Game.Server.EventSources.Leases;
using Game.Server.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Game.Tests.Storage;

/// <summary>
/// The store contract against DynamoDB's API (dynalite, started by <c>./scripts/test</c>). Each test gets its own
/// tables under a prefix unique to this run, so tests and concurrent runs never see each other's rows.
/// </summary>
public sealed class DynamoDbGameStoreContractTests : GameStoreContract
{
    public const string EndpointVariable = "GAME_TEST_DYNAMODB_URL";

    private static readonly string RunPrefix = $"test{Guid.NewGuid():N}"[..12];
    private static int s_testCount;

    private readonly DynamoDbStorageOptions _options = new()
    {
        ServiceUrl = Environment.GetEnvironmentVariable(EndpointVariable),
        TablePrefix = $"{RunPrefix}_{Interlocked.Increment(ref s_testCount)}_",
    };

    protected override IGameStore CreateStore()
    {
        if (string.IsNullOrEmpty(_options.ServiceUrl))
        {
            // Not a skip: a suite that silently leaves out DynamoDB would pass without ever testing it.
            throw new InvalidOperationException(
                $"{EndpointVariable} is not set, so there is no DynamoDB endpoint to test against. Run ./scripts/test, which starts dynalite and sets it.");
        }

        return new DynamoDbGameStore(_options, NullLogger<DynamoDbGameStore>.Instance);
    }

    [Fact]
    public async Task Initialize_DeadLettersTableWithOldKeys_FailsNamingTheTableAndKeys()
    {
        var options = new DynamoDbStorageOptions { ServiceUrl = _options.ServiceUrl, TablePrefix = _options.TablePrefix + "old_" };
        using var client = CreateClient();
        await client.CreateTableAsync(new CreateTableRequest
        {
            TableName = options.TablePrefix + "DeadLetters",
            KeySchema = [new("leaseKey", KeyType.HASH), new("sequenceNumber", KeyType.RANGE)],
            AttributeDefinitions = [new("leaseKey", ScalarAttributeType.S), new("sequenceNumber", ScalarAttributeType.S)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        }, Token);
        try
        {
            using var store = new DynamoDbGameStore(options, NullLogger<DynamoDbGameStore>.Instance);

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.InitializeAsync(Token));

            Assert.Equal(
                $"The DynamoDB table '{options.TablePrefix}DeadLetters' has the keys leaseKey (HASH), sequenceNumber (RANGE), but this version needs id (HASH). Delete the table (or use another Storage:DynamoDb:TablePrefix) and start again.",
                error.Message);
        }
        finally
        {
            await DeleteTablesAsync(client, options.TablePrefix);
        }
    }

    [Fact]
    public async Task AcquireLease_BareCheckpointFromAnOlderVersion_CounterOneAndResumesFromIt()
    {
        const string Key = "score/motion/shardId-000000000000";
        using var client = CreateClient();
        await client.PutItemAsync(new PutItemRequest
        {
            TableName = _options.TablePrefix + "Leases",
            Item = new() { ["leaseKey"] = new() { S = Key }, ["checkpoint"] = new() { S = "4962" } },
        }, Token);

        var lease = await Leases.AcquireLeaseAsync(Key, "host-a", Token);

        Assert.Equal(new Lease { LeaseKey = Key, Owner = "host-a", LeaseCounter = 1, Checkpoint = "4962" }, lease);
    }

    protected override async Task DeleteStoreAsync()
    {
        if (string.IsNullOrEmpty(_options.ServiceUrl))
        {
            return;
        }

        using var client = CreateClient();
        await DeleteTablesAsync(client, _options.TablePrefix);
    }

    private AmazonDynamoDBClient CreateClient() => new(
        new BasicAWSCredentials("local", "local"),
        new AmazonDynamoDBConfig { ServiceURL = _options.ServiceUrl, AuthenticationRegion = _options.Region });

    private static async Task DeleteTablesAsync(AmazonDynamoDBClient client, string prefix)
    {
        foreach (var table in new[] { "Games", "Scores", "Leases", "DeadLetters" })
        {
            try
            {
                await client.DeleteTableAsync(prefix + table);
            }
            catch (ResourceNotFoundException)
            {
                // Initialisation failed before creating it.
            }
        }
    }
}
