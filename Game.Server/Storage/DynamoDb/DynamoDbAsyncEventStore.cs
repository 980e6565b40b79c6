using Amazon.DynamoDBv2.Model;
using Game.Server.Functions.AsyncInvocations;
using static Game.Server.Storage.DynamoDb.DynamoDbAttributes;

namespace Game.Server.Storage.DynamoDb;

/// <summary>
/// <see cref="IAsyncEventStore"/> on DynamoDB: one item per event in the <c>AsyncEvents</c> table, keyed by <c>id</c>,
/// times as UTC ticks, the payload gzipped (a 1 MB Event payload must fit a 400 KB item). Every write is conditional
/// on the revision.
/// </summary>
/// <remarks>
/// Visible events are found with a consistent Scan: the queue holds only the events not finished yet, which are few
/// in this product (see docs/functions.md); a global secondary index on <c>visibleAt</c> would replace it for a
/// long queue.
/// </remarks>
public sealed class DynamoDbAsyncEventStore(DynamoDbTables tables) : IAsyncEventStore
{
    /// <summary>Room for the other attributes in DynamoDB's 400 KB item.</summary>
    public const int MaxCompressedPayloadBytes = 380 * 1024;

    public async Task<AsyncEvent?> PutAsync(AsyncEvent asyncEvent, CancellationToken cancellationToken)
    {
        var payload = DynamoDbItems.Compress(asyncEvent.Payload);
        if (payload.Length > MaxCompressedPayloadBytes)
        {
            throw new AsyncEventTooLargeException(
                $"The payload takes {payload.Length} bytes compressed; the DynamoDB store keeps at most {MaxCompressedPayloadBytes} bytes per event.");
        }

        var written = asyncEvent with { Revision = asyncEvent.Revision + 1 };
        var item = new Dictionary<string, AttributeValue>
        {
            ["id"] = S(asyncEvent.Id),
            ["functionName"] = S(asyncEvent.FunctionName),
            ["receivedAt"] = N(asyncEvent.ReceivedAt.UtcTicks),
            ["attempts"] = N(asyncEvent.Attempts),
            ["visibleAt"] = N(asyncEvent.VisibleAt.UtcTicks),
            ["revision"] = N(written.Revision),
            ["payload"] = new AttributeValue { B = new MemoryStream(payload) },
        };

        // Absent, not empty: an empty string is a valid error message.
        if (asyncEvent.LastError is { } error)
        {
            item["lastError"] = S(error);
        }

        if (asyncEvent.Owner is { } owner)
        {
            item["owner"] = S(owner);
        }

        var request = new PutItemRequest { TableName = tables.AsyncEvents, Item = item };
        if (asyncEvent.Revision == 0)
        {
            request.ConditionExpression = "attribute_not_exists(id)";
        }
        else
        {
            request.ConditionExpression = "revision = :expected";
            request.ExpressionAttributeValues = new() { [":expected"] = N(asyncEvent.Revision) };
        }

        try
        {
            tables.Count("PutItem");
            await tables.Client.PutItemAsync(request, cancellationToken);
            return written;
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    public async Task<bool> DeleteAsync(string id, long expectedRevision, CancellationToken cancellationToken)
    {
        try
        {
            tables.Count("DeleteItem");
            await tables.Client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = tables.AsyncEvents,
                Key = new() { ["id"] = S(id) },
                ConditionExpression = "revision = :expected",
                ExpressionAttributeValues = new() { [":expected"] = N(expectedRevision) },
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<AsyncEvent>> ListVisibleAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        (await ScanAsync(now, cancellationToken))
            .OrderBy(e => e.VisibleAt)
            .ThenBy(e => e.Id, StringComparer.Ordinal)
            .Take(limit)
            .ToList();

    public async Task<IReadOnlyList<AsyncEvent>> ListAsync(CancellationToken cancellationToken) =>
        (await ScanAsync(null, cancellationToken)).OrderBy(e => e.Id, StringComparer.Ordinal).ToList();

    private async Task<List<AsyncEvent>> ScanAsync(DateTimeOffset? visibleBy, CancellationToken cancellationToken)
    {
        var events = new List<AsyncEvent>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            var request = new ScanRequest { TableName = tables.AsyncEvents, ConsistentRead = true, ExclusiveStartKey = startKey };
            if (visibleBy is { } now)
            {
                request.FilterExpression = "visibleAt <= :now";
                request.ExpressionAttributeValues = new() { [":now"] = N(now.UtcTicks) };
            }

            tables.Count("Scan");
            var response = await tables.Client.ScanAsync(request, cancellationToken);
            events.AddRange((response.Items ?? []).Select(Read));
            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);

        return events;
    }

    private static AsyncEvent Read(Dictionary<string, AttributeValue> item) => new()
    {
        Id = item["id"].S,
        FunctionName = item["functionName"].S,
        ReceivedAt = new DateTimeOffset(Long(item["receivedAt"]), TimeSpan.Zero),
        Attempts = Int(item["attempts"]),
        LastError = item.TryGetValue("lastError", out var error) ? error.S : null,
        VisibleAt = new DateTimeOffset(Long(item["visibleAt"]), TimeSpan.Zero),
        Owner = item.TryGetValue("owner", out var owner) ? owner.S : null,
        Revision = Long(item["revision"]),
        Payload = DynamoDbItems.Decompress(item["payload"].B),
    };
}
