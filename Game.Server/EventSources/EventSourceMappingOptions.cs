using System.ComponentModel.DataAnnotations;

namespace Game.Server.EventSources;

/// <summary>Where a mapping starts reading a shard that has no checkpoint yet.</summary>
public enum StartingPosition
{
    TRIM_HORIZON,
    LATEST,
    AT_TIMESTAMP,
}

/// <summary>
/// A function's Kinesis event source mapping, bound from <c>Functions:&lt;name&gt;</c>. Knobs carry Lambda's names,
/// ranges and defaults, except where a default is noted as ours.
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

    /// <summary>Invocation timeout in seconds. Lambda's default: 3.</summary>
    [Range(1, 900)]
    public int Timeout { get; set; } = 3;

    /// <summary>Invocations of this function running at once across all shards, at most; excess ones are throttled and retried. Default 0 = no limit.</summary>
    [Range(0, 1000)]
    public int ReservedConcurrentExecutions { get; set; }

    public bool ReportsBatchItemFailures => FunctionResponseTypes.Contains(ReportBatchItemFailures, StringComparer.Ordinal);

    public bool KeepsDeadLetters => string.Equals(OnFailureDestination, "DeadLetters", StringComparison.OrdinalIgnoreCase);

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

        if (StartingPosition == StartingPosition.AT_TIMESTAMP && StartingPositionTimestamp is null)
        {
            yield return new ValidationResult("AT_TIMESTAMP needs StartingPositionTimestamp.", [nameof(StartingPositionTimestamp)]);
        }
    }
}
