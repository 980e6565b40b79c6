using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Game.Server.EventSources.Leases;
using static Game.Server.Storage.DynamoDb.DynamoDbAttributes;

namespace Game.Server.Storage.DynamoDb;

/// <summary>
/// <see cref="IShardLeaseStore"/> on DynamoDB: one item per lease in the <c>Leases</c> table
/// (<c>leaseKey</c>, <c>leaseOwner</c>, <c>leaseCounter</c>, <c>checkpoint</c>). Every change is conditional on
/// the counter, so two processors never both hold one counter.
/// </summary>
public sealed partial class DynamoDbShardLeaseStore(DynamoDbTables tables, ILogger<DynamoDbShardLeaseStore> logger) : IShardLeaseStore
{
    /// <summary>Acquisitions racing on one lease each get their own counter; this many lost races in a row means something is wrong.</summary>
    private const int MaxLeaseAttempts = 10;

    public async Task<Lease> AcquireLeaseAsync(string leaseKey, string owner, CancellationToken cancellationToken)
    {
        var key = new Dictionary<string, AttributeValue> { ["leaseKey"] = S(leaseKey) };
        var names = new Dictionary<string, string> { ["#counter"] = "leaseCounter", ["#owner"] = "leaseOwner" };
        for (var attempt = 1; ; attempt++)
        {
            tables.Count("GetItem");
            var read = await tables.Client.GetItemAsync(new GetItemRequest
            {
                TableName = tables.Leases,
                Key = key,
                ProjectionExpression = "#counter",
                ExpressionAttributeNames = new() { ["#counter"] = "leaseCounter" },
                ConsistentRead = true,
            }, cancellationToken);
            long? counter = read.Item is { } item && item.TryGetValue("leaseCounter", out var stored) ? Long(stored) : null;

            // Conditional on the counter read, not a blind ADD: two processors acquiring at once must not both
            // believe they hold the same counter. A row without a counter (a bare checkpoint) starts at 1.
            var values = new Dictionary<string, AttributeValue> { [":owner"] = S(owner), [":next"] = N((counter ?? 0) + 1) };
            string condition;
            if (counter is { } current)
            {
                condition = "#counter = :read";
                values[":read"] = N(current);
            }
            else
            {
                condition = "attribute_not_exists(#counter)";
            }

            try
            {
                tables.Count("UpdateItem");
                var written = await tables.Client.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = tables.Leases,
                    Key = key,
                    UpdateExpression = "SET #counter = :next, #owner = :owner",
                    ConditionExpression = condition,
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                    // The checkpoint as of this write: once the counter moved, the old holder cannot change it any more.
                    ReturnValues = ReturnValue.ALL_NEW,
                }, cancellationToken);
                return new Lease
                {
                    LeaseKey = leaseKey,
                    Owner = owner,
                    LeaseCounter = (counter ?? 0) + 1,
                    Checkpoint = written.Attributes?.GetValueOrDefault("checkpoint")?.S,
                };
            }
            catch (ConditionalCheckFailedException) when (attempt < MaxLeaseAttempts)
            {
                LogLeaseRaced(logger, leaseKey, attempt);
            }
            catch (ConditionalCheckFailedException ex)
            {
                throw new InvalidOperationException($"The lease '{leaseKey}' changed under {MaxLeaseAttempts} attempts to acquire it.", ex);
            }
        }
    }

    public async Task SetCheckpointAsync(string leaseKey, string sequenceNumber, long leaseCounter, CancellationToken cancellationToken)
    {
        try
        {
            // UpdateItem, not PutItem: the owner and counter stay. The condition is the fence; it also fails on a
            // missing row, so no checkpoint is written without an acquired lease.
            tables.Count("UpdateItem");
            await tables.Client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tables.Leases,
                Key = new() { ["leaseKey"] = S(leaseKey) },
                UpdateExpression = "SET #checkpoint = :checkpoint",
                ConditionExpression = "#counter = :counter",
                ExpressionAttributeNames = new() { ["#checkpoint"] = "checkpoint", ["#counter"] = "leaseCounter" },
                ExpressionAttributeValues = new() { [":checkpoint"] = S(sequenceNumber), [":counter"] = N(leaseCounter) },
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException ex)
        {
            throw new LeaseLostException(leaseKey, leaseCounter, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lease {LeaseKey} was acquired by another processor while this one tried (attempt {Attempt}); re-reading")]
    private static partial void LogLeaseRaced(ILogger logger, string leaseKey, int attempt);
}
