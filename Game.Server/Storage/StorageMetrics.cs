using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Game.Server.Storage;

/// <summary>
/// The store's metrics (meter <c>Game.Storage</c>), exported at <c>/metrics</c> with the rest. Prometheus shows
/// the counter as <c>DynamoDbRequests_total{operation="UpdateItem"}</c>.
/// </summary>
public sealed class StorageMetrics : IDisposable
{
    public const string MeterName = "Game.Storage";

    private readonly Meter _meter = new(MeterName);

    public StorageMetrics()
    {
        DynamoDbRequests = _meter.CreateCounter<long>(
            "DynamoDbRequests",
            description: "Requests the DynamoDB store made, by operation (the SDK's own retries of one request are not counted again).");
    }

    public Counter<long> DynamoDbRequests { get; }

    /// <summary>Counts one DynamoDB request of the given operation (<c>GetItem</c>, <c>UpdateItem</c>, …).</summary>
    public void CountDynamoDbRequest(string operation) =>
        DynamoDbRequests.Add(1, new TagList { { "operation", operation } });

    public void Dispose() => _meter.Dispose();
}
