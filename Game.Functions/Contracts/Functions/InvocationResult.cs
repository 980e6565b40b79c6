
namespace Game.Functions.Contracts;

/// <summary>How an invocation ended.</summary>
[GenerateSerializer, Immutable]
public sealed record InvocationResult
{
    [Id(0)] public string RequestId { get; init; } = "";

    /// <summary>True when the function returned without reporting failures.</summary>
    [Id(1)] public bool Succeeded { get; init; }

    /// <summary>With ReportBatchItemFailures: the lowest failed sequence number; the batch succeeded up to it.</summary>
    [Id(2)] public string? FirstFailedSequenceNumber { get; init; }

    /// <summary>The error when the whole batch failed (exception, timeout, malformed answer).</summary>
    [Id(3)] public string? Error { get; init; }

    [Id(4)] public TimeSpan Duration { get; init; }

    /// <summary>With a tumbling window: the state the function answered (null when it failed).</summary>
    [Id(5)] public IReadOnlyDictionary<string, string>? WindowState { get; init; }
}
