using Game.Server.Storage;
using Game.Server.Storage.DynamoDb;
using Game.Server.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Game.Tests.Storage;

/// <summary>
/// Reads a lease's checkpoint straight from the stored row. The lease port has no such read (a reader gets its
/// checkpoint with the lease); tests need it to see where a mapping got to.
/// </summary>
public static class LeaseCheckpoints
{
    /// <summary>From the store a running server (an <c>InProcessServer</c>'s services) is configured with.</summary>
    public static Task<string?> ReadAsync(IServiceProvider services, string leaseKey, CancellationToken cancellationToken) =>
        services.GetRequiredService<IOptions<StorageOptions>>().Value.Provider switch
        {
            StorageProvider.DynamoDb => ReadAsync(services.GetRequiredService<DynamoDbTables>(), leaseKey, cancellationToken),
            _ => ReadAsync(services.GetRequiredService<SqliteDatabase>(), leaseKey, cancellationToken),
        };

    public static async Task<string?> ReadAsync(SqliteDatabase database, string leaseKey, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT checkpoint FROM leases WHERE lease_key = $key";
        command.Parameters.AddWithValue("$key", leaseKey);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public static async Task<string?> ReadAsync(DynamoDbTables tables, string leaseKey, CancellationToken cancellationToken)
    {
        var response = await tables.Client.GetItemAsync(new()
        {
            TableName = tables.Leases,
            Key = new() { ["leaseKey"] = new() { S = leaseKey } },
            ProjectionExpression = "#checkpoint",
            ExpressionAttributeNames = new() { ["#checkpoint"] = "checkpoint" },
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { } item && item.TryGetValue("checkpoint", out var checkpoint) ? checkpoint.S : null;
    }
}
