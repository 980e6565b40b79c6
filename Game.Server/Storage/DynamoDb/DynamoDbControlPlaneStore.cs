using Amazon.DynamoDBv2.Model;
using Game.Server.Functions.ControlPlane;
using static Game.Server.Storage.DynamoDb.DynamoDbAttributes;

namespace Game.Server.Storage.DynamoDb;

/// <summary>
/// <see cref="IControlPlaneStore"/> on DynamoDB: one item per document in the <c>ControlPlane</c> table, keyed by
/// <c>kind</c> and <c>id</c>, with <c>revision</c> and <c>body</c>. Every write is conditional on the revision.
/// </summary>
public sealed class DynamoDbControlPlaneStore(DynamoDbTables tables) : IControlPlaneStore
{
    public async Task<IReadOnlyList<ControlPlaneDocument>> ListAsync(string kind, CancellationToken cancellationToken)
    {
        var documents = new List<ControlPlaneDocument>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            tables.Count("Query");
            var response = await tables.Client.QueryAsync(new QueryRequest
            {
                TableName = tables.ControlPlane,
                KeyConditionExpression = "kind = :kind",
                ExpressionAttributeValues = new() { [":kind"] = S(kind) },
                ConsistentRead = true,
                ExclusiveStartKey = startKey,
            }, cancellationToken);
            documents.AddRange((response.Items ?? []).Select(Read));
            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);

        // The range key sorts by UTF-8 bytes, as the embedded store's ORDER BY does; sorted again for safety.
        return documents.OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
    }

    public async Task<ControlPlaneDocument?> PutAsync(string kind, string id, string body, long expectedRevision, CancellationToken cancellationToken)
    {
        var written = new ControlPlaneDocument(kind, id, expectedRevision + 1, body);
        var request = new PutItemRequest
        {
            TableName = tables.ControlPlane,
            Item = new() { ["kind"] = S(kind), ["id"] = S(id), ["revision"] = N(written.Revision), ["body"] = S(body) },
        };
        if (expectedRevision == 0)
        {
            request.ConditionExpression = "attribute_not_exists(kind)";
        }
        else
        {
            request.ConditionExpression = "revision = :expected";
            request.ExpressionAttributeValues = new() { [":expected"] = N(expectedRevision) };
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

    public async Task<bool> DeleteAsync(string kind, string id, long expectedRevision, CancellationToken cancellationToken)
    {
        try
        {
            tables.Count("DeleteItem");
            await tables.Client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = tables.ControlPlane,
                Key = new() { ["kind"] = S(kind), ["id"] = S(id) },
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

    private static ControlPlaneDocument Read(Dictionary<string, AttributeValue> item) =>
        new(item["kind"].S, item["id"].S, Long(item["revision"]), item["body"].S);
}
