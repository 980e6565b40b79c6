// Slightly over our usual 300 lines: the lifecycle and the tick share the grain's state; rounds, resets and the
// chart's history are in GameGrain.Rounds.cs.
using System.Security.Cryptography;
using Game.Functions.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Game.Functions.Games;

/// <summary>
/// One game: its lifecycle (lobby → countdown → running → finished, and again) and the timer that pushes its
/// <see cref="Scoreboard"/> as frames, so many score changes coalesce into one frame and a display never gets one
/// message per record. The store is the source of truth: every change is saved before this grain takes it.
/// </summary>
/// <remarks>
/// Frames go out at most <see cref="GameOptions.MaxFramesPerSecond"/> a second: a score change that comes when the
/// last frame is an interval old goes out at once (the leading edge), the ones that come within the interval with
/// the tick an interval after that frame (the trailing edge).
/// The timer runs only while there is something to push: a round is live (its clock moves), or a change (a join,
/// a start or stop, a score) has not gone out yet as a frame and as the phones' standings. A quiet game holds no
/// timer, so Orleans' idle collection deactivates it; a code with no game deactivates after the call that asked.
/// </remarks>
public sealed partial class GameGrain(
    IGameStore store,
    IFramePublisher publisher,
    TimeProvider time,
    IOptions<GameOptions> options,
    ILogger<GameGrain> logger) : Grain, IGameGrain
{
    private static readonly TimeSpan StandingsInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>How much earlier than an interval after the last frame a tick may still send one: the timer's granularity.</summary>
    private static readonly TimeSpan TickSlack = TimeSpan.FromMilliseconds(5);

    /// <summary>The live chart's past that a snapshot carries: the minute a display draws, a point every 500 ms.</summary>
    private static readonly TimeSpan HistorySpan = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan HistoryStep = TimeSpan.FromMilliseconds(500);

    private Scoreboard _board = new();
    private GameRecord? _game;
    private IGrainTimer? _ticker;
    private GamePhase _publishedPhase;
    private long _version;
    private bool _dirty;
    private DateTimeOffset _standingsSentAt;
    private bool _standingsPending;

    // When the oldest score change that no frame has carried yet reached this grain (a TimeProvider timestamp); 0: none.
    private long _oldestUnsentChange;

    // When the last frame was built (a TimeProvider timestamp; 0 before the first, which is long enough ago).
    private long _lastFrameAt;
    private readonly Queue<RatePoint> _history = new();

    // Everyone's points when the current round started; null when this activation did not see the start.
    private long? _totalAtRoundStart;

    // What the transport is still sending: the next frame (or standings) waits for it, so a slow connection
    // coalesces frames instead of queueing them, and never holds up the grain.
    private Task _frameInFlight = Task.CompletedTask;
    private Task _standingsInFlight = Task.CompletedTask;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _game = await store.GetGameAsync(this.GetPrimaryKeyString(), cancellationToken);
        if (_game is not null)
        {
            _board = Scoreboard.From(await store.GetPlayersAsync(_game.GameId, cancellationToken));
            _publishedPhase = PhaseAt(_game, time.GetUtcNow());
            if (IsLive(_publishedPhase))
            {
                // Reactivated mid-round (a restart, or an idle collection during a long countdown): the clock needs pushing.
                EnsureTicking();
            }
        }
    }

    public async Task<GameRecord> Create(int roundSeconds)
    {
        if (_game is null)
        {
            var game = new GameRecord
            {
                GameId = this.GetPrimaryKeyString(),
                Phase = GamePhase.Lobby,
                RoundSeconds = roundSeconds,
                CreatedAt = time.GetUtcNow(),
            };
            await store.SaveGameAsync(game, CancellationToken.None);
            _game = game;
            _publishedPhase = GamePhase.Lobby;
            LogCreated(logger, game.GameId, roundSeconds);
        }

        return _game;
    }

    public Task<GameRecord?> Get() => Task.FromResult(KnownGame() is { } game ? game with { Phase = PhaseAt(game, time.GetUtcNow()) } : null);

    public async Task<PlayerProfile?> Join(string nickname, string team)
    {
        if (KnownGame() is not { } game)
        {
            return null;
        }

        var limit = options.Value.MaxPlayersPerGame;
        if (_board.PlayerCount >= limit)
        {
            throw new GameFullException(game.GameId, limit);
        }

        // The store keeps the names as shown, so every reader (results, CSV, a reactivated grain) agrees with the display.
        var (shownNickname, shownTeam) = _board.NamesForJoin(nickname, team);
        var profile = new PlayerProfile { PlayerId = NewPlayerId(), Nickname = shownNickname, Team = shownTeam };
        await store.AddPlayerAsync(game.GameId, profile, CancellationToken.None);
        _board.Add(profile);
        Changed();
        return profile;
    }

    public async Task<GameRecord?> Start()
    {
        if (KnownGame() is not { } game)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (IsLive(PhaseAt(game, now)))
        {
            return game with { Phase = PhaseAt(game, now) };
        }

        if (game.Scoring == ScoreMode.PerRound && game.Round > 0)
        {
            await ResetLedgersAsync(game);
            // The reset wrote every ledger: the countdown starts after it, as the presenter sees it.
            now = time.GetUtcNow();
        }

        var startsAt = now.AddSeconds(options.Value.CountdownSeconds);
        var started = game with
        {
            EarlierRounds = game is { RoundStartsAt: { } lastStart, RoundEndsAt: { } lastEnd }
                ? [.. game.EarlierRounds, new RoundWindow(lastStart, lastEnd)]
                : game.EarlierRounds,
            Phase = GamePhase.Countdown,
            Round = game.Round + 1,
            RoundStartsAt = startsAt,
            RoundEndsAt = startsAt.AddSeconds(game.RoundSeconds),
        };
        await store.SaveGameAsync(started, CancellationToken.None);
        _game = started;
        _totalAtRoundStart = _board.TotalScore;
        Changed();
        return started with { Phase = PhaseAt(started, now) };
    }

    public async Task<GameRecord?> Stop()
    {
        if (KnownGame() is not { } game)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (IsLive(PhaseAt(game, now)))
        {
            // A stopped countdown becomes an empty round: nothing can count before its start.
            var end = game.RoundStartsAt is { } start && start > now ? start : now;
            var stopped = game with { Phase = GamePhase.Finished, RoundEndsAt = end };
            await store.SaveGameAsync(stopped, CancellationToken.None);
            _game = game = stopped;
            Changed();
        }

        return game with { Phase = PhaseAt(game, now) };
    }

    public Task<ScoreboardFrame?> Snapshot()
    {
        if (KnownGame() is not { } game)
        {
            return Task.FromResult<ScoreboardFrame?>(null);
        }

        var now = time.GetUtcNow();
        TrimHistory(now);
        return Task.FromResult<ScoreboardFrame?>(WithRound(_board.Frame(game, PhaseAt(game, now), ++_version, now, includeApplied: false)) with
        {
            History = [.. _history],
        });
    }

    public Task<HallFrame?> HallSnapshot() =>
        Task.FromResult(KnownGame() is { } game ? _board.Hall.Full(game.GameId, ++_version, _board.ScoreOf) : null);

    public Task ScoresChanged(IReadOnlyList<ScoreUpdate> updates)
    {
        if (KnownGame() is not null && _board.Apply(updates, time.GetUtcNow()))
        {
            if (_oldestUnsentChange == 0)
            {
                _oldestUnsentChange = time.GetTimestamp();
            }

            Changed();
            PublishIfDue();
        }
        else if (_board.HasRecentSamples)
        {
            // Counted samples move the live chart even when no score changed.
            EnsureTicking();
        }

        return Task.CompletedTask;
    }

    public Task<PhoneStanding?> Standing(string playerId)
    {
        if (KnownGame() is not { } game)
        {
            return Task.FromResult<PhoneStanding?>(null);
        }

        var now = time.GetUtcNow();
        return Task.FromResult(_board.Standing(playerId, game, PhaseAt(game, now), now));
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_game is null)
        {
            StopTicking();
            return;
        }

        var now = time.GetUtcNow();
        var turnStarted = time.GetTimestamp();
        var built = false;
        var phase = PhaseAt(_game, now);
        if (phase != _publishedPhase)
        {
            if (phase != _game.Phase)
            {
                var moved = _game with { Phase = phase };
                await store.SaveGameAsync(moved, cancellationToken);
                _game = moved;
            }

            _publishedPhase = phase;
            _dirty = true;
        }

        // The timer's own granularity may fire it a few ms short of the interval: a frame then goes now, not a tick later.
        if (time.GetElapsedTime(_lastFrameAt, turnStarted) >= FrameInterval - TickSlack)
        {
            built = TryPublishFrame(phase, now);
        }

        // Pending until sent: a change that falls inside the standings' rate limit goes out on a later tick.
        if (_standingsPending && now - _standingsSentAt >= StandingsInterval && _standingsInFlight.IsCompleted)
        {
            _standingsPending = false;
            _standingsSentAt = now;
            built = true;
            if (_board.ChangedStandings(_game, phase, now) is { Count: > 0 } changed)
            {
                _standingsInFlight = SendOffTurn(() => publisher.PublishStandingsAsync(changed, CancellationToken.None));
            }
        }

        if (built)
        {
            GameMetrics.TickTurn.Record(time.GetElapsedTime(turnStarted).TotalMilliseconds);
        }

        if (!IsLive(phase) && !_dirty && !_standingsPending && _frameInFlight.IsCompleted && _standingsInFlight.IsCompleted)
        {
            // Everything is out and the clock is not running: nothing for the next tick to do until the next change.
            StopTicking();
        }
    }

    /// <summary>
    /// The leading edge: a score change that comes when the last frame is at least an interval old goes out in a frame
    /// now, in this turn, instead of waiting for the next tick (up to an interval more, and a timer tick queues behind
    /// the scoring calls). The rate bound is the same: a frame only an interval after the last one, and the timer is
    /// moved to fire an interval after this frame, so the changes that come meanwhile go out with the next tick.
    /// </summary>
    private void PublishIfDue()
    {
        if (_game is null || _ticker is null)
        {
            return;
        }

        var stamp = time.GetTimestamp();
        var now = time.GetUtcNow();
        // A new phase is the tick's: it may have to be saved first.
        if (time.GetElapsedTime(_lastFrameAt, stamp) >= FrameInterval && PhaseAt(_game, now) == _publishedPhase
            && TryPublishFrame(_publishedPhase, now))
        {
            _ticker.Change(FrameInterval, FrameInterval);
        }
    }

    /// <summary>Builds and sends a frame if there is news and the last one is out; answers whether it did.</summary>
    private bool TryPublishFrame(GamePhase phase, DateTimeOffset now)
    {
        if (_game is null || !(_dirty || (phase == GamePhase.Running && _board.HasRecentSamples)) || !_frameInFlight.IsCompleted)
        {
            return false;
        }

        var frame = WithRound(_board.Frame(_game, phase, ++_version, now, includeApplied: true));
        RecordRate(now, frame.SamplesPerSecond);
        var hall = _board.Hall.Delta(_game.GameId, frame.Version, _board.ScoreOf);
        _dirty = false;
        _standingsPending = true;
        var builtAt = _lastFrameAt = time.GetTimestamp();
        if (_oldestUnsentChange != 0)
        {
            GameMetrics.FrameWait.Record(time.GetElapsedTime(_oldestUnsentChange, builtAt).TotalMilliseconds);
            _oldestUnsentChange = 0;
        }

        _frameInFlight = SendOffTurn(async () =>
        {
            await Task.WhenAll(
                publisher.PublishAsync(frame, CancellationToken.None),
                hall is null ? Task.CompletedTask : publisher.PublishHallAsync(hall, CancellationToken.None));
            GameMetrics.FrameSend.Record(time.GetElapsedTime(builtAt).TotalMilliseconds);
        });
        return true;
    }

    /// <summary>The game, or null; a code with no game asks to be deactivated, so a random code leaves nothing behind.</summary>
    private GameRecord? KnownGame()
    {
        if (_game is null)
        {
            DeactivateOnIdle();
        }

        return _game;
    }

    private void Changed()
    {
        _dirty = true;
        EnsureTicking();
    }

    private void EnsureTicking()
    {
        _ticker ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(FrameInterval, FrameInterval) { KeepAlive = false });
    }

    private TimeSpan FrameInterval => TimeSpan.FromSeconds(1.0 / options.Value.MaxFramesPerSecond);

    private void StopTicking()
    {
        _ticker?.Dispose();
        _ticker = null;
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

    private static bool IsLive(GamePhase phase) => phase is GamePhase.Countdown or GamePhase.Running;

    /// <summary>The phase follows from the clock, so a restarted server needs no timer to be right.</summary>
    private static GamePhase PhaseAt(GameRecord game, DateTimeOffset now) => game switch
    {
        { RoundStartsAt: null } => GamePhase.Lobby,
        { RoundStartsAt: { } start } when now < start && game.Phase != GamePhase.Finished => GamePhase.Countdown,
        { RoundEndsAt: { } end } when now < end && game.Phase != GamePhase.Finished => GamePhase.Running,
        _ => GamePhase.Finished,
    };

    private static string NewPlayerId() => "p" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Game {GameId}: a frame or standings push failed; the next one replaces it")]
    private static partial void LogPublishFailed(ILogger logger, string gameId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Game {GameId} created with {RoundSeconds} s rounds")]
    private static partial void LogCreated(ILogger logger, string gameId, int roundSeconds);
}
