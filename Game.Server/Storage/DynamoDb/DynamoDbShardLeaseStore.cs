using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Game.Server.EventSources.Leases;
using static Game.Server.Storage.DynamoDb.DynamoDbAttributes;

namespace Game.Server.Storage.DynamoDb;

/// <summary>
/// <see cref="IShardLeaseStore"/> on DynamoDB: one item per lease in the <c>Leases</c> table
/// (<c>leaseKey</c>, <c>leaseOwner</c> (absent when unowned), <c>leaseCounter</c>, <c>checkpoint</c>,
/// <c>renewals</c>, <c>parentShardIds</c> (a list, absent when empty)), the KCL's row. Every change is one
/// conditional write on the counter (and the owner where it matters), so two processors never both hold one
/// counter; no transactions (dynalite has none).
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
                return ReadLease(written.Attributes);
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

    public async Task<IReadOnlyList<Lease>> ListLeasesAsync(string keyPrefix, CancellationToken cancellationToken)
    {
        // A scan: the table holds a row per shard and mapping, tens of rows, read every few seconds per mapping.
        var leases = new List<Lease>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            tables.Count("Scan");
            var response = await tables.Client.ScanAsync(new ScanRequest
            {
                TableName = tables.Leases,
                ConsistentRead = true,
                ExclusiveStartKey = startKey,
                FilterExpression = "begins_with(leaseKey, :prefix)",
                ExpressionAttributeValues = new() { [":prefix"] = S(keyPrefix) },
            }, cancellationToken);
            leases.AddRange((response.Items ?? []).Select(ReadLease));
            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);

        return leases.OrderBy(l => l.LeaseKey, StringComparer.Ordinal).ToList();
    }

    public async Task<bool> CreateLeaseIfMissingAsync(string leaseKey, IReadOnlyList<string> parentShardIds, CancellationToken cancellationToken)
    {
        var item = new Dictionary<string, AttributeValue> { ["leaseKey"] = S(leaseKey), ["leaseCounter"] = N(0L), ["renewals"] = N(0L) };
        if (parentShardIds.Count > 0)
        {
            item["parentShardIds"] = new AttributeValue { L = parentShardIds.Select(S).ToList() };
        }

        try
        {
            tables.Count("PutItem");
            await tables.Client.PutItemAsync(new PutItemRequest
            {
                TableName = tables.Leases,
                Item = item,
                ConditionExpression = "attribute_not_exists(leaseKey)",
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<Lease?> TakeLeaseAsync(string leaseKey, string owner, long expectedCounter, CancellationToken cancellationToken)
    {
        try
        {
            tables.Count("UpdateItem");
            var written = await tables.Client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tables.Leases,
                Key = new() { ["leaseKey"] = S(leaseKey) },
                UpdateExpression = "SET #counter = :next, #owner = :owner",
                // A row an older version left without a counter is at 0, as it reads.
                ConditionExpression = expectedCounter == 0
                    ? "attribute_exists(leaseKey) AND (attribute_not_exists(#counter) OR #counter = :seen)"
                    : "#counter = :seen",
                ExpressionAttributeNames = new() { ["#counter"] = "leaseCounter", ["#owner"] = "leaseOwner" },
                ExpressionAttributeValues = new() { [":seen"] = N(expectedCounter), [":next"] = N(expectedCounter + 1), [":owner"] = S(owner) },
                ReturnValues = ReturnValue.ALL_NEW,
            }, cancellationToken);
            return ReadLease(written.Attributes);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    public Task<bool> RenewLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken) =>
        OwnerWriteAsync("ADD renewals :one", new() { [":one"] = N(1L) }, leaseKey, owner, leaseCounter, cancellationToken);

    public Task<bool> ReleaseLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken) =>
        OwnerWriteAsync("SET #counter = :next REMOVE #owner", new() { [":next"] = N(leaseCounter + 1) }, leaseKey, owner, leaseCounter, cancellationToken);

    public async Task<bool> DeleteFinishedLeaseAsync(string leaseKey, long leaseCounter, CancellationToken cancellationToken)
    {
        try
        {
            tables.Count("DeleteItem");
            await tables.Client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = tables.Leases,
                Key = new() { ["leaseKey"] = S(leaseKey) },
                ConditionExpression = "#counter = :counter AND #checkpoint = :end",
                ExpressionAttributeNames = new() { ["#counter"] = "leaseCounter", ["#checkpoint"] = "checkpoint" },
                ExpressionAttributeValues = new() { [":counter"] = N(leaseCounter), [":end"] = S(Lease.ShardEnd) },
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<bool> DeleteLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, AttributeValue> { [":counter"] = N(leaseCounter) };
        // An unowned row has no leaseOwner (a release removes it); one an older version left without a counter is at 0.
        var counter = leaseCounter == 0 ? "(attribute_not_exists(#counter) OR #counter = :counter)" : "#counter = :counter";
        string condition;
        if (owner.Length == 0)
        {
            condition = $"attribute_exists(leaseKey) AND attribute_not_exists(#owner) AND {counter}";
        }
        else
        {
            condition = $"#owner = :owner AND {counter}";
            values[":owner"] = S(owner);
        }

        try
        {
            tables.Count("DeleteItem");
            await tables.Client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = tables.Leases,
                Key = new() { ["leaseKey"] = S(leaseKey) },
                ConditionExpression = condition,
                ExpressionAttributeNames = new() { ["#counter"] = "leaseCounter", ["#owner"] = "leaseOwner" },
                ExpressionAttributeValues = values,
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private async Task<bool> OwnerWriteAsync(
        string update, Dictionary<string, AttributeValue> values, string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken)
    {
        values[":owner"] = S(owner);
        values[":counter"] = N(leaseCounter);
        try
        {
            // ADD is not idempotent, but a renewal counted twice only says "alive" twice.
            tables.Count("UpdateItem");
            await tables.Client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tables.Leases,
                Key = new() { ["leaseKey"] = S(leaseKey) },
                UpdateExpression = update,
                ConditionExpression = "#owner = :owner AND #counter = :counter",
                ExpressionAttributeNames = new() { ["#counter"] = "leaseCounter", ["#owner"] = "leaseOwner" },
                ExpressionAttributeValues = values,
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private static Lease ReadLease(Dictionary<string, AttributeValue> item) => new()
    {
        LeaseKey = item["leaseKey"].S,
        Owner = item.GetValueOrDefault("leaseOwner")?.S ?? "",
        LeaseCounter = item.TryGetValue("leaseCounter", out var counter) ? Long(counter) : 0,
        Checkpoint = item.GetValueOrDefault("checkpoint")?.S,
        Renewals = item.TryGetValue("renewals", out var renewals) ? Long(renewals) : 0,
        ParentShardIds = item.GetValueOrDefault("parentShardIds")?.L is { Count: > 0 } parents ? parents.Select(p => p.S).ToList() : [],
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lease {LeaseKey} was acquired by another processor while this one tried (attempt {Attempt}); re-reading")]
    private static partial void LogLeaseRaced(ILogger logger, string leaseKey, int attempt);
}
