using Amazon.DynamoDBv2.Model;
using Game.Functions.Contracts;
using static Game.Server.Storage.DynamoDb.DynamoDbAttributes;

namespace Game.Server.Storage.DynamoDb;

/// <summary><see cref="IDeadLetterStore"/> on DynamoDB: one item per dead letter in the <c>DeadLetters</c> table, its records gzipped.</summary>
public sealed class DynamoDbDeadLetterStore(DynamoDbTables tables) : IDeadLetterStore
{
    /// <summary>A dead letter's compressed records must leave room for its other attributes in DynamoDB's 400 KB item.</summary>
    private const int MaxDeadLetterRecordBytes = 380 * 1024;

    public Task AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        var records = DynamoDbItems.CompressRecords(deadLetter.Records);
        if (records.Length > MaxDeadLetterRecordBytes)
        {
            throw new InvalidOperationException(
                $"Dead letter '{deadLetter.Id}' holds {deadLetter.Records.Count} records that take {records.Length} bytes compressed; a DynamoDB item holds at most 400 KB. Lower the mapping's BatchSize.");
        }

        tables.Count("PutItem");
        return tables.Client.PutItemAsync(
            new PutItemRequest { TableName = tables.DeadLetters, Item = DynamoDbItems.DeadLetterItem(deadLetter, records) },
            cancellationToken);
    }

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(string? functionName, CancellationToken cancellationToken)
    {
        // Dead letters are few (each is a whole batch given up on), so a scan is cheap; see docs/storage.md for
        // the index that replaces it if they ever are not.
        var deadLetters = new List<DeadLetter>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            var request = new ScanRequest { TableName = tables.DeadLetters, ConsistentRead = true, ExclusiveStartKey = startKey };
            if (functionName is not null)
            {
                request.FilterExpression = "functionName = :function";
                request.ExpressionAttributeValues = new() { [":function"] = S(functionName) };
            }

            tables.Count("Scan");
            var response = await tables.Client.ScanAsync(request, cancellationToken);
            deadLetters.AddRange((response.Items ?? []).Select(DynamoDbItems.ReadDeadLetter));
            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);

        return deadLetters.OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
    }

    public async Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken)
    {
        tables.Count("GetItem");
        var response = await tables.Client.GetItemAsync(new GetItemRequest
        {
            TableName = tables.DeadLetters,
            Key = new() { ["id"] = S(id) },
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? DynamoDbItems.ReadDeadLetter(item) : null;
    }

    public async Task MarkReplayedAsync(string id, DateTimeOffset replayedAt, CancellationToken cancellationToken)
    {
        try
        {
            tables.Count("UpdateItem");
            await tables.Client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tables.DeadLetters,
                Key = new() { ["id"] = S(id) },
                UpdateExpression = "SET replayedAt = :replayedAt",
                // Without it, UpdateItem would create an item holding only id and replayedAt.
                ConditionExpression = "attribute_exists(id)",
                ExpressionAttributeValues = new() { [":replayedAt"] = S(FormatTime(replayedAt)) },
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException ex)
        {
            throw new KeyNotFoundException($"No dead letter has the id '{id}'.", ex);
        }
    }
}
