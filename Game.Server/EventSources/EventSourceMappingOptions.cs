using System.ComponentModel.DataAnnotations;

namespace Game.Server.EventSources;

/// <summary>Where a mapping starts reading a shard that has no checkpoint yet.</summary>
public enum StartingPosition
{
    TRIM_HORIZON,
    LATEST,
}

/// <summary>
/// A function's Kinesis event source mapping, bound from <c>Functions:&lt;name&gt;</c>. Knobs carry Lambda's names,
/// ranges and defaults unless the doc says otherwise.
/// </summary>
public sealed class EventSourceMappingOptions
{
    public const string Section = "Functions";

    /// <summary>Records per invocation, at most. Lambda's default: 100.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>Default TRIM_HORIZON: a new mapping scores everything the stream still holds.</summary>
    public StartingPosition StartingPosition { get; set; } = StartingPosition.TRIM_HORIZON;

    /// <summary>Invocation timeout in seconds. Lambda's default: 3.</summary>
    [Range(1, 900)]
    public int Timeout { get; set; } = 3;
}
