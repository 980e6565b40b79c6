using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Game.Server.EventSources;

/// <summary>Where a mapping starts reading a shard that has no checkpoint yet.</summary>
public enum StartingPosition
{
    TRIM_HORIZON,
    LATEST,
    AT_TIMESTAMP,
}

/// <summary>Lambda's <c>MetricsConfig</c> of a mapping: <c>Metrics: [EventCount]</c> turns the event counts on.</summary>
public sealed class MappingMetricsConfig
{
    public const string EventCount = nameof(EventCount);

    /// <summary>Only <c>EventCount</c>. Default none: no PolledEventCount, InvokedEventCount, … as in Lambda.</summary>
    public List<string> Metrics { get; set; } = [];
}

/// <summary>
/// A function's Kinesis event source mapping, bound from <c>Functions:&lt;name&gt;</c> (which seeds the control plane's
/// store on first start; after that the store holds it, changed through the Lambda API). Knobs carry Lambda's
/// names, ranges and defaults, except where a default is noted as ours.
/// </summary>
public sealed class EventSourceMappingOptions : IValidatableObject
{
    public const string Section = "Functions";

    public const string ReportBatchItemFailures = nameof(ReportBatchItemFailures);

    /// <summary>Records per invocation, at most. Lambda's default: 100.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// How long to gather records before invoking with fewer than <see cref="BatchSize"/>. Fractions allowed
    /// (Lambda takes whole seconds). Default 0: invoke as soon as records are there; records that arrive while an
    /// invocation runs still form the next batch.
    /// </summary>
    [Range(0.0, 300.0)]
    public double MaximumBatchingWindowInSeconds { get; set; }

    /// <summary>Concurrent batches per shard (1–10); records of one partition key stay in order. Default 1.</summary>
    [Range(1, 10)]
    public int ParallelizationFactor { get; set; } = 1;

    /// <summary>Where a shard without a checkpoint starts. Default TRIM_HORIZON (ours: Lambda requires a choice).</summary>
    public StartingPosition StartingPosition { get; set; } = StartingPosition.TRIM_HORIZON;

    /// <summary>With AT_TIMESTAMP: the arrival time to start from.</summary>
    public DateTimeOffset? StartingPositionTimestamp { get; set; }

    /// <summary>Retries of a failing batch before its records go to the on-failure destination; -1 = until they expire. Default -1.</summary>
    [Range(-1, 10_000)]
    public int MaximumRetryAttempts { get; set; } = -1;

    /// <summary>Records older than this are not invoked but sent to the on-failure destination; -1 = never. Default -1.</summary>
    public int MaximumRecordAgeInSeconds { get; set; } = -1;

    /// <summary>Split a failing batch in two and retry each half (splits do not count as retries). Default false.</summary>
    public bool BisectBatchOnFunctionError { get; set; }

    /// <summary><c>ReportBatchItemFailures</c> lets the function name the first failed record; otherwise its answer is ignored.</summary>
    public List<string> FunctionResponseTypes { get; set; } = [];

    /// <summary><c>DeadLetters</c> keeps failed records in the store (listable and replayable); empty discards them, as Lambda does without a destination.</summary>
    public string? OnFailureDestination { get; set; }

    /// <summary>Up to 5 patterns (Lambda's filter syntax) on the record's JSON data; a record matching none is filtered out.</summary>
    public List<string> FilterCriteria { get; set; } = [];

    /// <summary>
    /// Tumbling windows of this many seconds (by arrival time, aligned to the epoch): the function gets each window's
    /// records with the state it answered last, then a final invocation when the window closes. 0 = off (default).
    /// </summary>
    [Range(0, 900)]
    public int TumblingWindowInSeconds { get; set; }

    /// <summary>False pauses the mapping: no shard is read, checkpoints stay where they are. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Lambda's MetricsConfig: the event counts are exported only with <c>EventCount</c>.</summary>
    public MappingMetricsConfig MetricsConfig { get; set; } = new();

    /// <summary>Invocation timeout in seconds (the function's, seeded from here). Lambda's default: 3.</summary>
    [Range(1, 900)]
    [JsonIgnore]
    public int Timeout { get; set; } = 3;

    /// <summary>
    /// Invocations of this function running at once across all shards, at most; excess ones are throttled and
    /// retried. The function's (PutFunctionConcurrency), seeded from here. Default 0 = no limit.
    /// </summary>
    [Range(0, 1000)]
    [JsonIgnore]
    public int ReservedConcurrentExecutions { get; set; }

    [JsonIgnore]
    public bool ReportsBatchItemFailures => FunctionResponseTypes.Contains(ReportBatchItemFailures, StringComparer.Ordinal);

    [JsonIgnore]
    public bool KeepsDeadLetters => string.Equals(OnFailureDestination, "DeadLetters", StringComparison.OrdinalIgnoreCase);

    /// <summary>MetricsConfig holds EventCount: the mapping exports its event counts.</summary>
    [JsonIgnore]
    public bool CountsEvents => MetricsConfig.Metrics.Contains(MappingMetricsConfig.EventCount, StringComparer.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaximumRecordAgeInSeconds is not -1 and (< 60 or > 604_800))
        {
            yield return new ValidationResult("MaximumRecordAgeInSeconds is -1 or between 60 and 604800.", [nameof(MaximumRecordAgeInSeconds)]);
        }

        if (FilterCriteria.Count > 5)
        {
            yield return new ValidationResult("FilterCriteria holds at most 5 patterns.", [nameof(FilterCriteria)]);
        }

        foreach (var pattern in FilterCriteria)
        {
            string? error = null;
            try
            {
                FilterPattern.Parse(pattern);
            }
            catch (FormatException ex)
            {
                error = ex.Message;
            }

            if (error is not null)
            {
                yield return new ValidationResult($"FilterCriteria: {error}", [nameof(FilterCriteria)]);
            }
        }

        if (FunctionResponseTypes.Any(t => t != ReportBatchItemFailures))
        {
            yield return new ValidationResult("FunctionResponseTypes may only hold ReportBatchItemFailures.", [nameof(FunctionResponseTypes)]);
        }

        if (OnFailureDestination is { Length: > 0 } && !KeepsDeadLetters)
        {
            yield return new ValidationResult("OnFailureDestination is DeadLetters or empty.", [nameof(OnFailureDestination)]);
        }

        if (TumblingWindowInSeconds > 0 && ParallelizationFactor > 1)
        {
            yield return new ValidationResult("A tumbling window needs ParallelizationFactor 1: its state follows the shard's order.", [nameof(TumblingWindowInSeconds)]);
        }

        if (MetricsConfig.Metrics.Any(m => m != MappingMetricsConfig.EventCount))
        {
            yield return new ValidationResult("MetricsConfig.Metrics may only hold EventCount.", [nameof(MetricsConfig)]);
        }

        if (StartingPosition == StartingPosition.AT_TIMESTAMP && StartingPositionTimestamp is null)
        {
            yield return new ValidationResult("AT_TIMESTAMP needs StartingPositionTimestamp.", [nameof(StartingPositionTimestamp)]);
        }
    }
}
