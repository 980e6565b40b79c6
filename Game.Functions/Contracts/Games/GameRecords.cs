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

    /// <summary>
    /// The windows of the rounds before the current one, oldest first: a record that arrived during an earlier round
    /// still counts when it is processed late (after a store outage, say), even once the next round has started.
    /// </summary>
    [Id(7)] public IReadOnlyList<RoundWindow> EarlierRounds { get; init; } = [];

    /// <summary>Whether a new round starts everyone at 0 (<see cref="ScoreMode.PerRound"/>) or adds to what they have.</summary>
    [Id(8)] public ScoreMode Scoring { get; init; }

    /// <summary>A record counts when the stream received it inside a round's window: the current one or an earlier one.</summary>
    public bool Counts(DateTimeOffset arrival) => RoundAt(arrival) is not null;

    /// <summary>The window of the round the stream received a record in (the current round's or an earlier one's); null outside every round.</summary>
    public RoundWindow? RoundAt(DateTimeOffset arrival) =>
        RoundStartsAt is { } start && RoundEndsAt is { } end && arrival >= start && arrival < end
            ? new RoundWindow(start, end)
            : EarlierRounds.FirstOrDefault(round => round.Contains(arrival));

    /// <summary>Value equality, including the earlier rounds' contents (a record compares lists by reference).</summary>
    public bool Equals(GameRecord? other) =>
        other is not null
        && GameId == other.GameId && Phase == other.Phase && RoundSeconds == other.RoundSeconds && Round == other.Round
        && RoundStartsAt == other.RoundStartsAt && RoundEndsAt == other.RoundEndsAt && CreatedAt == other.CreatedAt
        && Scoring == other.Scoring && EarlierRounds.SequenceEqual(other.EarlierRounds);

    public override int GetHashCode() => HashCode.Combine(GameId, Phase, Round, RoundStartsAt, EarlierRounds.Count);
}

/// <summary>When a round counted: from its start (after the countdown) to its end (timer or stop).</summary>
[GenerateSerializer, Immutable]
public sealed record RoundWindow(
    [property: Id(0)] DateTimeOffset StartsAt,
    [property: Id(1)] DateTimeOffset EndsAt)
{
    public bool Contains(DateTimeOffset arrival) => arrival >= StartsAt && arrival < EndsAt;
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
/// A player's score with what the exactly-once and fairness rules need: the last applied phone <c>seq</c>,
/// the last accepted device time and how far the counted samples reach on the server's clock.
/// Changes only through <see cref="Scoring.ScoreLedger"/>.
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

    /// <summary>
    /// How far the player's counted samples reach on the server's clock, in Unix milliseconds: each counted sample
    /// takes the 10 ms a sample takes at the fastest allowed rate, laid end to end from the start of its round.
    /// The "ahead of the server clock" rule keeps it at most a second past the arrival of the record counted last;
    /// 0 before the first counted sample.
    /// </summary>
    /// <remarks>
    /// Server time only (the arrival stamps of the stream), never the phone's clock: replays compute the same value.
    /// It changes only together with <see cref="LastSeq"/>, so a store's "still the one read" check need not compare it.
    /// </remarks>
    [Id(3)] public long CountedUntil { get; init; }
}

/// <summary>A player's profile and ledger, as read back from the store.</summary>
[GenerateSerializer, Immutable]
public sealed record PlayerRow(
    [property: Id(0)] PlayerProfile Profile,
    [property: Id(1)] PlayerLedger Ledger);
