using System.Text.Json.Serialization;

namespace Game.Functions.Runtime;

/// <summary>
/// The event of a function with a tumbling window (TumblingWindowInSeconds), as Lambda's
/// Amazon.Lambda.KinesisEventFactory.KinesisTimeWindowEvent: the records of one window, the state the function
/// answered last time for that window, and whether this is the window's final invocation.
/// </summary>
public sealed class KinesisTimeWindowEvent : KinesisEvent
{
    [JsonPropertyName("window")]
    public TimeWindow Window { get; set; } = new();

    /// <summary>What the function answered as state on its previous invocation for this window; empty at its start.</summary>
    [JsonPropertyName("state")]
    public Dictionary<string, string> State { get; set; } = [];

    [JsonPropertyName("shardId")]
    public string ShardId { get; set; } = "";

    [JsonPropertyName("eventSourceARN")]
    public string EventSourceArn { get; set; } = "";

    /// <summary>True on the invocation after the window closed: no new records, the state to aggregate.</summary>
    [JsonPropertyName("isFinalInvokeForWindow")]
    public bool IsFinalInvokeForWindow { get; set; }

    /// <summary>Lambda sets this when the state outgrew its 1 MB limit; so do we.</summary>
    [JsonPropertyName("isWindowTerminatedEarly")]
    public bool IsWindowTerminatedEarly { get; set; }

    public sealed class TimeWindow
    {
        [JsonPropertyName("start")]
        public DateTimeOffset Start { get; set; }

        [JsonPropertyName("end")]
        public DateTimeOffset End { get; set; }
    }
}

/// <summary>A windowed function's answer: the state to carry, and optionally partial batch failures.</summary>
public sealed class KinesisTimeWindowResponse
{
    [JsonPropertyName("state")]
    public Dictionary<string, string> State { get; set; } = [];

    [JsonPropertyName("batchItemFailures")]
    public IList<StreamsEventResponse.BatchItemFailure> BatchItemFailures { get; set; } = [];
}

/// <summary>A function with a tumbling window: aggregates a shard's records per window, carrying its own state.</summary>
public interface ITumblingWindowFunction
{
    Task<KinesisTimeWindowResponse> FunctionHandler(KinesisTimeWindowEvent windowEvent, ILambdaContext context);
}
