namespace Game.Functions.Contracts;

/// <summary>A game as the store keeps it.</summary>
[GenerateSerializer, Immutable]
public sealed record GameRecord
{
    /// <summary>The short join code, which is also the game's id.</summary>
    [Id(0)] public string GameId { get; init; } = "";

    [Id(1)] public GamePhase Phase { get; init; }

    [Id(2)] public int RoundSeconds { get; init; } = 30;

    /// <summary>How many rounds have started.</summary>
    [Id(3)] public int Round { get; init; }

    /// <summary>When the current (or last) round starts counting, after its countdown.</summary>
    [Id(4)] public DateTimeOffset? RoundStartsAt { get; init; }

    /// <summary>When the current (or last) round stops counting.</summary>
    [Id(5)] public DateTimeOffset? RoundEndsAt { get; init; }

    [Id(6)] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>A record counts when the stream received it inside the round's window.</summary>
    public bool Counts(DateTimeOffset arrival) =>
        RoundStartsAt is { } start && RoundEndsAt is { } end && arrival >= start && arrival < end;
}

/// <summary>Who a player is: fixed at join.</summary>
[GenerateSerializer, Immutable]
public sealed record PlayerProfile
{
    [Id(0)] public string PlayerId { get; init; } = "";

    [Id(1)] public string Nickname { get; init; } = "";

    [Id(2)] public string Team { get; init; } = "";
}

/// <summary>
/// A player's score with what the exactly-once rule needs: the last applied phone <c>seq</c>
/// and the last accepted device time. Changes only through <see cref="Scoring.ScoreLedger"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PlayerLedger
{
    public static readonly PlayerLedger Empty = new();

    [Id(0)] public long Score { get; init; }

    /// <summary>Highest phone batch seq applied; 0 before the first (phones count from 1).</summary>
    [Id(1)] public long LastSeq { get; init; }

    /// <summary>Device time (ms) of the last accepted sample, for the "time must increase" rule across batches.</summary>
    [Id(2)] public double LastSampleTime { get; init; } = double.NegativeInfinity;
}

/// <summary>A player's profile and ledger, as read back from the store.</summary>
[GenerateSerializer, Immutable]
public sealed record PlayerRow(
    [property: Id(0)] PlayerProfile Profile,
    [property: Id(1)] PlayerLedger Ledger);
