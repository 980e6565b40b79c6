using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Game.Functions.Contracts;
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

    protected override async Task DeleteStoreAsync()
    {
        if (string.IsNullOrEmpty(_options.ServiceUrl))
        {
            return;
        }

        using var client = new AmazonDynamoDBClient(
            new BasicAWSCredentials("local", "local"),
            new AmazonDynamoDBConfig { ServiceURL = _options.ServiceUrl, AuthenticationRegion = _options.Region });
        foreach (var table in new[] { "Games", "Scores", "Leases", "DeadLetters" })
        {
            try
            {
                await client.DeleteTableAsync(_options.TablePrefix + table);
            }
            catch (ResourceNotFoundException)
            {
                // Initialisation failed before creating it.
            }
        }
    }
}
