namespace Game.Functions.Contracts;

/// <summary>
/// Records an event source mapping gave up on, or an Event invocation given up on, with where they came from and
/// why: Lambda's on-failure destination, kept in the store so they can be listed and replayed.
/// </summary>
/// <remarks>
/// A mapping's dead letter names its stream, shard and records; an Event invocation's has empty stream fields and
/// no records, and carries <see cref="RequestId"/> and <see cref="Payload"/> instead.
/// </remarks>
public sealed record DeadLetter
{
    /// <summary>Unique and increasing with time, so listings come out in failure order.</summary>
    public string Id { get; init; } = "";

    public string FunctionName { get; init; } = "";

    public string StreamName { get; init; } = "";

    public string ShardId { get; init; } = "";

    public string StartSequenceNumber { get; init; } = "";

    public string EndSequenceNumber { get; init; } = "";

    public int BatchSize { get; init; }

    /// <summary>
    /// Lambda's condition: <c>RetryAttemptsExhausted</c> or <c>RecordAgeExceeded</c> for a mapping,
    /// <c>RetriesExhausted</c> or <c>EventAgeExceeded</c> for an Event invocation.
    /// </summary>
    public string Condition { get; init; } = "";

    public string? Error { get; init; }

    public int Attempts { get; init; }

    public DateTimeOffset FailedAt { get; init; }

    public DateTimeOffset? ReplayedAt { get; init; }

    /// <summary>The records themselves, so a replay works even after the stream trimmed them.</summary>
    public IReadOnlyList<StreamRecord> Records { get; init; } = [];

    /// <summary>An Event invocation's request id (the one its 202 answered); null for a mapping's dead letter.</summary>
    public string? RequestId { get; init; }

    /// <summary>An Event invocation's JSON payload; null for a mapping's dead letter.</summary>
    public byte[]? Payload { get; init; }
}

/// <summary>The on-failure destination: where dead letters are kept.</summary>
public interface IDeadLetterStore
{
    /// <summary>Keeps a dead letter, records included, under its <see cref="DeadLetter.Id"/>.</summary>
    Task AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken);

    /// <summary>Dead letters, oldest first; of one function when <paramref name="functionName"/> is given.</summary>
    Task<IReadOnlyList<DeadLetter>> ListAsync(string? functionName, CancellationToken cancellationToken);

    /// <summary>One dead letter, or null when no dead letter has this id.</summary>
    Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Sets <see cref="DeadLetter.ReplayedAt"/>; everything else stays as it was.</summary>
    /// <exception cref="KeyNotFoundException">No dead letter has this id.</exception>
    Task MarkReplayedAsync(string id, DateTimeOffset replayedAt, CancellationToken cancellationToken);
}
