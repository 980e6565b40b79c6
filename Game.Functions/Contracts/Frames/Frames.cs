using MessagePack;

namespace Game.Functions.Contracts;

/// <summary>One player on the scoreboard.</summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record PlayerStanding
{
    [Id(0), Key("playerId")] public string PlayerId { get; init; } = "";

    [Id(1), Key("nickname")] public string Nickname { get; init; } = "";

    [Id(2), Key("team")] public string Team { get; init; } = "";

    [Id(3), Key("score")] public long Score { get; init; }
}

/// <summary>A team's total: the sum of its players' scores.</summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record TeamStanding
{
    [Id(0), Key("team")] public string Team { get; init; } = "";

    [Id(1), Key("score")] public long Score { get; init; }

    [Id(2), Key("players")] public int Players { get; init; }
}

/// <summary>
/// What the presenter display draws: sent as a snapshot on (re)connect and then coalesced at a bounded rate.
/// </summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record ScoreboardFrame
{
    [Id(0), Key("gameId")] public string GameId { get; init; } = "";

    [Id(1), Key("phase")] public GamePhase Phase { get; init; }

    /// <summary>Increases with every frame of a game, so a client can drop one that arrives late.</summary>
    [Id(2), Key("version")] public long Version { get; init; }

    [Id(3), Key("playerCount")] public int PlayerCount { get; init; }

    /// <summary>The leaders, best first (at most <see cref="GameLimits.LeaderboardSize"/>).</summary>
    [Id(4), Key("leaders")] public IReadOnlyList<PlayerStanding> Leaders { get; init; } = [];

    [Id(5), Key("teams")] public IReadOnlyList<TeamStanding> Teams { get; init; } = [];

    /// <summary>Round start in Unix milliseconds (server clock), or 0 before the first round.</summary>
    [Id(6), Key("roundStartsAt")] public long RoundStartsAt { get; init; }

    /// <summary>Round end in Unix milliseconds (server clock), or 0 before the first round.</summary>
    [Id(7), Key("roundEndsAt")] public long RoundEndsAt { get; init; }

    /// <summary>Server time when the frame was made, Unix milliseconds: lets a client correct its countdown for clock skew.</summary>
    [Id(8), Key("serverTime")] public long ServerTime { get; init; }

    /// <summary>Samples that counted in the last second, for the live chart.</summary>
    [Id(9), Key("samplesPerSecond")] public long SamplesPerSecond { get; init; }

    /// <summary>Highest phone batch seq reflected in this frame, per player (only players changed since the last frame); lets the load tool measure send-to-display delay.</summary>
    [Id(10), Key("applied")] public IReadOnlyDictionary<string, long> Applied { get; init; } = new Dictionary<string, long>();

    /// <summary>How many rounds have started: the current (or last) round's number, 0 in the lobby.</summary>
    [Id(11), Key("round")] public int Round { get; init; }

    /// <summary>Whether the scores are the round's alone or a running total (the display says which).</summary>
    [Id(12), Key("scoring")] public ScoreMode Scoring { get; init; }

    /// <summary>
    /// Points everyone scored in the current (or last) round, or -1 when the game does not know (it was reloaded from
    /// the store after the round started): 0 after a round means nobody shook, and the display says so.
    /// </summary>
    [Id(13), Key("roundPoints")] public long RoundPoints { get; init; } = -1;

    /// <summary>
    /// The live chart's recent past (samples per second, oldest first, at most one point every 500 ms over the last
    /// minute): only in the snapshot a display gets when it (re)connects, so a reloaded display keeps its chart.
    /// Empty in pushed frames, which stay small.
    /// </summary>
    [Id(14), Key("history")] public IReadOnlyList<RatePoint> History { get; init; } = [];
}

/// <summary>One point of the live chart: samples that counted in the second before <see cref="Time"/>.</summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record RatePoint
{
    /// <summary>Server time, Unix milliseconds.</summary>
    [Id(0), Key("t")] public long Time { get; init; }

    [Id(1), Key("v")] public long SamplesPerSecond { get; init; }
}

/// <summary>
/// What one phone shows: its own score, rank and team total, and the round's clock. Sent to that phone only,
/// on connect and then whenever it changes, at most twice a second.
/// </summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record PhoneStanding
{
    [Id(0), Key("gameId")] public string GameId { get; init; } = "";

    [Id(1), Key("playerId")] public string PlayerId { get; init; } = "";

    [Id(2), Key("phase")] public GamePhase Phase { get; init; }

    [Id(3), Key("score")] public long Score { get; init; }

    /// <summary>1 for the leader; players with the same score share a rank.</summary>
    [Id(4), Key("rank")] public int Rank { get; init; }

    [Id(5), Key("players")] public int Players { get; init; }

    [Id(6), Key("team")] public string Team { get; init; } = "";

    [Id(7), Key("teamScore")] public long TeamScore { get; init; }

    [Id(8), Key("roundStartsAt")] public long RoundStartsAt { get; init; }

    [Id(9), Key("roundEndsAt")] public long RoundEndsAt { get; init; }

    [Id(10), Key("serverTime")] public long ServerTime { get; init; }

    /// <summary>The highest of this phone's batch seqs that the score reflects.</summary>
    [Id(11), Key("appliedSeq")] public long AppliedSeq { get; init; }

    /// <summary>Where this player's dot is in the hall view (null for a player the board does not know).</summary>
    [Id(12), Key("hall")] public HallSpot? Hall { get; init; }
}
