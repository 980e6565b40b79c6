using System.Security.Cryptography;
using Game.Functions.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Game.Functions.Games;

/// <summary>
/// One game: its lifecycle (lobby → countdown → running → finished, and again), its players, and the live
/// scoreboard. The store is the source of truth; this grain keeps the scoreboard in memory and pushes it as
/// frames on a timer, so many score changes coalesce into one frame and a display never gets one message per record.
/// </summary>
public sealed partial class GameGrain(
    IGameStore store,
    IFramePublisher publisher,
    TimeProvider time,
    IOptions<GameOptions> options,
    ILogger<GameGrain> logger) : Grain, IGameGrain
{
    private readonly Dictionary<string, PlayerState> _players = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _appliedSinceLastFrame = new(StringComparer.Ordinal);
    private readonly Queue<(long At, int Samples)> _recentSamples = new();
    private GameRecord? _game;
    private static readonly TimeSpan StandingsInterval = TimeSpan.FromMilliseconds(500);

    private readonly Dictionary<string, PhoneStanding> _sentStandings = new(StringComparer.Ordinal);
    private GamePhase _publishedPhase;
    private long _version;
    private bool _dirty;
    private DateTimeOffset _standingsSentAt;
    private bool _standingsPending;

    // What the transport is still sending: the next frame (or standings) waits for it, so a slow connection
    // coalesces frames instead of queueing them, and never holds up the grain.
    private Task _frameInFlight = Task.CompletedTask;
    private Task _standingsInFlight = Task.CompletedTask;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _game = await store.GetGameAsync(this.GetPrimaryKeyString(), cancellationToken);
        if (_game is not null)
        {
            foreach (var row in await store.GetPlayersAsync(_game.GameId, cancellationToken))
            {
                _players[row.Profile.PlayerId] = new PlayerState(row.Profile, row.Ledger.Score, row.Ledger.LastSeq);
            }

            _publishedPhase = PhaseAt(_game, time.GetUtcNow());
        }

        var interval = TimeSpan.FromSeconds(1.0 / options.Value.MaxFramesPerSecond);
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(interval, interval) { KeepAlive = false });
    }

    public async Task<GameRecord> Create(int roundSeconds)
    {
        if (_game is null)
        {
            _game = new GameRecord
            {
                GameId = this.GetPrimaryKeyString(),
                Phase = GamePhase.Lobby,
                RoundSeconds = roundSeconds,
                CreatedAt = time.GetUtcNow(),
            };
            await store.SaveGameAsync(_game, CancellationToken.None);
            LogCreated(logger, _game.GameId, roundSeconds);
        }

        return _game;
    }

    public Task<GameRecord?> Get() => Task.FromResult(_game is null ? null : _game with { Phase = PhaseAt(_game, time.GetUtcNow()) });

    public async Task<PlayerProfile?> Join(string nickname, string team)
    {
        if (_game is null)
        {
            return null;
        }

        var profile = new PlayerProfile { PlayerId = NewPlayerId(), Nickname = nickname, Team = team };
        await store.AddPlayerAsync(_game.GameId, profile, CancellationToken.None);
        _players[profile.PlayerId] = new PlayerState(profile, 0, 0);
        _dirty = true;
        return profile;
    }

    public async Task<GameRecord?> Start()
    {
        if (_game is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (PhaseAt(_game, now) is GamePhase.Countdown or GamePhase.Running)
        {
            return _game with { Phase = PhaseAt(_game, now) };
        }

        var startsAt = now.AddSeconds(options.Value.CountdownSeconds);
        _game = _game with
        {
            EarlierRounds = _game is { RoundStartsAt: { } lastStart, RoundEndsAt: { } lastEnd }
                ? [.. _game.EarlierRounds, new RoundWindow(lastStart, lastEnd)]
                : _game.EarlierRounds,
            Phase = GamePhase.Countdown,
            Round = _game.Round + 1,
            RoundStartsAt = startsAt,
            RoundEndsAt = startsAt.AddSeconds(_game.RoundSeconds),
        };
        await store.SaveGameAsync(_game, CancellationToken.None);
        _dirty = true;
        return _game with { Phase = PhaseAt(_game, now) };
    }

    public async Task<GameRecord?> Stop()
    {
        if (_game is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (PhaseAt(_game, now) is GamePhase.Countdown or GamePhase.Running)
        {
            // A stopped countdown becomes an empty round: nothing can count before its start.
            var end = _game.RoundStartsAt is { } start && start > now ? start : now;
            _game = _game with { Phase = GamePhase.Finished, RoundEndsAt = end };
            await store.SaveGameAsync(_game, CancellationToken.None);
            _dirty = true;
        }

        return _game with { Phase = PhaseAt(_game, now) };
    }

    public Task<ScoreboardFrame?> Snapshot() =>
        Task.FromResult(_game is null ? null : BuildFrame(time.GetUtcNow(), includeApplied: false));

    public Task ScoresChanged(IReadOnlyList<ScoreUpdate> updates)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var counted = 0;
        foreach (var update in updates)
        {
            counted += update.CountedSamples;
            if (_players.TryGetValue(update.PlayerId, out var standing) && update.AppliedSeq >= standing.AppliedSeq)
            {
                _players[update.PlayerId] = standing with { Score = update.Score, AppliedSeq = update.AppliedSeq };
                _appliedSinceLastFrame[update.PlayerId] = update.AppliedSeq;
                _dirty = true;
            }
        }

        if (counted > 0)
        {
            _recentSamples.Enqueue((now, counted));
        }

        return Task.CompletedTask;
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_game is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        var phase = PhaseAt(_game, now);
        if (phase != _publishedPhase)
        {
            _publishedPhase = phase;
            _dirty = true;
            if (phase != _game.Phase)
            {
                _game = _game with { Phase = phase };
                await store.SaveGameAsync(_game, cancellationToken);
            }
        }

        if ((_dirty || (phase == GamePhase.Running && _recentSamples.Count > 0)) && _frameInFlight.IsCompleted)
        {
            var frame = BuildFrame(now, includeApplied: true);
            _dirty = false;
            _appliedSinceLastFrame.Clear();
            _standingsPending = true;
            _frameInFlight = SendOffTurn(() => publisher.PublishAsync(frame, CancellationToken.None));
        }

        // Pending until sent: a change that falls inside the standings' rate limit goes out on a later tick.
        if (_standingsPending && now - _standingsSentAt >= StandingsInterval && _standingsInFlight.IsCompleted)
        {
            _standingsPending = false;
            _standingsSentAt = now;
            if (ChangedStandings(now) is { Count: > 0 } changed)
            {
                _standingsInFlight = SendOffTurn(() => publisher.PublishStandingsAsync(changed, CancellationToken.None));
            }
        }
    }

    /// <summary>
    /// Sends on the thread pool, outside the grain's turn. Awaited in the turn, thousands of phone connections
    /// draining slowly under load held the grain, and with it every ScoresChanged call of the scoring function:
    /// the whole scoring path fell seconds behind (docs/performance.md).
    /// </summary>
    private Task SendOffTurn(Func<Task> send) => Task.Run(async () =>
    {
        try
        {
            await send();
        }
        catch (Exception ex)
        {
            // A frame that did not go out is replaced by the next one; nothing to retry.
            LogPublishFailed(logger, this.GetPrimaryKeyString(), ex);
        }
    });

    public Task<PhoneStanding?> Standing(string playerId)
    {
        if (_game is null || !_players.TryGetValue(playerId, out var me))
        {
            return Task.FromResult<PhoneStanding?>(null);
        }

        var now = time.GetUtcNow();
        var teamScore = me.Profile.Team.Length == 0 ? me.Score : _players.Values.Where(p => p.Profile.Team == me.Profile.Team).Sum(p => p.Score);
        var rank = 1 + _players.Values.Count(p => p.Score > me.Score);
        return Task.FromResult<PhoneStanding?>(ToStanding(me, rank, teamScore, PhaseAt(_game, now), now));
    }

    /// <summary>
    /// The standings that changed since each phone was last sent one. Phones get their own standing at most twice
    /// a second and only when it changed: a hall of phones must not cost one message per phone per frame.
    /// </summary>
    private List<PhoneStanding> ChangedStandings(DateTimeOffset now)
    {
        var phase = PhaseAt(_game!, now);
        var teams = _players.Values.GroupBy(p => p.Profile.Team, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Score), StringComparer.Ordinal);
        var ordered = _players.Values.OrderByDescending(p => p.Score).ToList();
        var changed = new List<PhoneStanding>();
        var previousRank = 0;
        for (var i = 0; i < ordered.Count; i++)
        {
            var me = ordered[i];
            // Standard competition ranking: equal scores share the rank of the first of them.
            var rank = i > 0 && ordered[i - 1].Score == me.Score ? previousRank : i + 1;
            previousRank = rank;
            var standing = ToStanding(me, rank, me.Profile.Team.Length == 0 ? me.Score : teams[me.Profile.Team], phase, now);
            if (!_sentStandings.TryGetValue(me.Profile.PlayerId, out var sent) || sent with { ServerTime = 0 } != standing with { ServerTime = 0 })
            {
                _sentStandings[me.Profile.PlayerId] = standing;
                changed.Add(standing);
            }
        }

        return changed;
    }

    private PhoneStanding ToStanding(PlayerState me, int rank, long teamScore, GamePhase phase, DateTimeOffset now) => new()
    {
        GameId = _game!.GameId,
        PlayerId = me.Profile.PlayerId,
        Phase = phase,
        Score = me.Score,
        Rank = rank,
        Players = _players.Count,
        Team = me.Profile.Team,
        TeamScore = teamScore,
        RoundStartsAt = _game.RoundStartsAt?.ToUnixTimeMilliseconds() ?? 0,
        RoundEndsAt = _game.RoundEndsAt?.ToUnixTimeMilliseconds() ?? 0,
        ServerTime = now.ToUnixTimeMilliseconds(),
        AppliedSeq = me.AppliedSeq,
    };

    private ScoreboardFrame BuildFrame(DateTimeOffset now, bool includeApplied)
    {
        var game = _game!;
        var nowMs = now.ToUnixTimeMilliseconds();
        while (_recentSamples.TryPeek(out var oldest) && oldest.At <= nowMs - 1000)
        {
            _recentSamples.Dequeue();
        }

        var leaders = _players.Values
            .OrderByDescending(p => p.Score)
            .ThenBy(p => p.Profile.Nickname, StringComparer.Ordinal)
            .Take(GameLimits.LeaderboardSize)
            .Select(p => p.ToStanding())
            .ToList();
        var teams = _players.Values
            .Where(p => p.Profile.Team.Length > 0)
            .GroupBy(p => p.Profile.Team, StringComparer.Ordinal)
            .Select(g => new TeamStanding { Team = g.Key, Score = g.Sum(p => p.Score), Players = g.Count() })
            .OrderByDescending(t => t.Score)
            .ThenBy(t => t.Team, StringComparer.Ordinal)
            .ToList();

        return new ScoreboardFrame
        {
            GameId = game.GameId,
            Phase = PhaseAt(game, now),
            Version = ++_version,
            PlayerCount = _players.Count,
            Leaders = leaders,
            Teams = teams,
            RoundStartsAt = game.RoundStartsAt?.ToUnixTimeMilliseconds() ?? 0,
            RoundEndsAt = game.RoundEndsAt?.ToUnixTimeMilliseconds() ?? 0,
            ServerTime = nowMs,
            SamplesPerSecond = _recentSamples.Sum(s => (long)s.Samples),
            Applied = includeApplied ? new Dictionary<string, long>(_appliedSinceLastFrame) : new Dictionary<string, long>(),
        };
    }

    /// <summary>The phase follows from the clock, so a restarted server needs no timer to be right.</summary>
    private static GamePhase PhaseAt(GameRecord game, DateTimeOffset now) => game switch
    {
        { RoundStartsAt: null } => GamePhase.Lobby,
        { RoundStartsAt: { } start } when now < start && game.Phase != GamePhase.Finished => GamePhase.Countdown,
        { RoundEndsAt: { } end } when now < end && game.Phase != GamePhase.Finished => GamePhase.Running,
        _ => GamePhase.Finished,
    };

    private static string NewPlayerId() => "p" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private sealed record PlayerState(PlayerProfile Profile, long Score, long AppliedSeq)
    {
        public PlayerStanding ToStanding() =>
            new() { PlayerId = Profile.PlayerId, Nickname = Profile.Nickname, Team = Profile.Team, Score = Score };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Game {GameId}: a frame or standings push failed; the next one replaces it")]
    private static partial void LogPublishFailed(ILogger logger, string gameId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Game {GameId} created with {RoundSeconds} s rounds")]
    private static partial void LogCreated(ILogger logger, string gameId, int roundSeconds);
}
