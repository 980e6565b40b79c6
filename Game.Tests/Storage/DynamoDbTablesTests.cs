using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Game.Tests.Storage;

/// <summary>The DynamoDB store's tables: set-up against tables an older version made.</summary>
public sealed class DynamoDbTablesTests
{
    [Fact]
    public async Task Initialize_DeadLettersTableWithOldKeys_FailsNamingTheTableAndKeys()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var token = timeout.Token;
        await using var store = DynamoDbTestStore.Open(DynamoDbTestStore.UniqueOptions());
        await store.Tables.Client.CreateTableAsync(new CreateTableRequest
        {
            TableName = store.Tables.DeadLetters,
            KeySchema = [new("leaseKey", KeyType.HASH), new("sequenceNumber", KeyType.RANGE)],
            AttributeDefinitions = [new("leaseKey", ScalarAttributeType.S), new("sequenceNumber", ScalarAttributeType.S)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        }, token);
        try
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.Tables.InitializeAsync(token));

            Assert.Equal(
                $"The DynamoDB table '{store.Options.TablePrefix}DeadLetters' has the keys leaseKey (HASH), sequenceNumber (RANGE), but this version needs id (HASH). Delete the table (or use another Storage:DynamoDb:TablePrefix) and start again.",
                error.Message);
        }
        finally
        {
            await store.DeleteTablesAsync(store.Options.TablePrefix);
        }
    }
}
