using System.Collections.Concurrent;
using Game.Functions.Contracts;
using Game.Functions.Games;
using Game.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.Games;

/// <summary>
/// The game grain in a real silo of its own (one per test), on fake time, with an in-memory store that can be told
/// to fail and a publisher that records: what runs, what is pushed, and what survives a failed save.
/// </summary>
public sealed class GameGrainTests : IAsyncLifetime
{
    private const int FramesPerSecond = 20;
    private static readonly TimeSpan FrameInterval = TimeSpan.FromSeconds(1.0 / FramesPerSecond);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly CountingTimeProvider _time = new(DateTimeOffset.Parse("2026-12-01T12:00:00Z"), FrameInterval);
    private readonly MemoryGameStore _store = new();
    private readonly RecordingPublisher _publisher = new();
    private IHost? _host;

    private IGrainFactory Grains => _host!.Services.GetRequiredService<IGrainFactory>();

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton<IGameStore>(_store);
        builder.Services.AddSingleton<IFramePublisher>(_publisher);
        builder.Services.AddOptions<GameOptions>().Configure(o =>
        {
            o.CountdownSeconds = 3;
            o.MaxFramesPerSecond = FramesPerSecond;
            o.MaxPlayersPerGame = 3;
        });
        builder.UseOrleans(silo => silo.UseLocalhostClustering(ServerProcess.FreePort(), ServerProcess.FreePort(), null, "game-grain-tests", "game-grain-" + Guid.NewGuid().ToString("N")[..8]));
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    [Fact]
    public async Task UnknownCodes_ReadsAndWatches_LeaveNoTimerAndNoActivation()
    {
        var codes = Enumerable.Range(0, 50).Select(i => $"Z{i:0000}").ToList();

        foreach (var code in codes)
        {
            var grain = Grains.GetGrain<IGameGrain>(code);
            Assert.Null(await grain.Get());
            Assert.Null(await grain.Snapshot());
            Assert.Null(await grain.Standing("p1"));
            Assert.Null(await grain.Join("Ada", ""));
        }

        Assert.Equal(0, _time.ActiveFrameTimers);
        await WaitUntilAsync(async () => (await ActiveGamesAsync()).Intersect(codes).Any() is false, "unknown codes still have activations");
        Assert.Equal(0, _time.ActiveFrameTimers);
    }

    [Fact]
    public async Task CreatedGame_Idle_StopsTickingAfterItsChangesWentOut()
    {
        var grain = Grains.GetGrain<IGameGrain>("IDLE1");
        await grain.Create(30);
        Assert.Equal(0, _time.ActiveFrameTimers);

        var ada = await grain.Join("Ada", "red");
        Assert.Equal(1, _time.ActiveFrameTimers);
        var ticks = await TickUntilQuietAsync(grain);

        Assert.InRange(ticks, 1, 3);
        _time.Advance(TimeSpan.FromMinutes(10));
        await grain.Get();
        Assert.Equal(0, _time.ActiveFrameTimers);
        var frame = Assert.Single(_publisher.Frames);
        Assert.Equal(("IDLE1", GamePhase.Lobby, 1), (frame.GameId, frame.Phase, frame.PlayerCount));
        Assert.Equal(ada!.PlayerId, _publisher.Standings.Single().Single().PlayerId);
    }

    [Fact]
    public async Task Round_TicksWhileLiveThenGoesQuietOnceFinishedIsOut()
    {
        var grain = Grains.GetGrain<IGameGrain>("ROUND");
        await grain.Create(5);
        await grain.Start();
        Assert.Equal(1, _time.ActiveFrameTimers);

        // Countdown (3 s) and round (5 s) in frame steps: the timer keeps running through both.
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(8); elapsed += FrameInterval)
        {
            await TickAsync(grain);
            Assert.Equal(1, _time.ActiveFrameTimers);
            // A frame goes out off the grain's turn (on the thread pool): let the one for this phase land before fake
            // time moves on, as it would in the real 50 ms between ticks (a starved pool in CI once skipped a phase).
            var phase = (await grain.Get())!.Phase;
            await WaitUntilAsync(() => Task.FromResult(_publisher.Frames.Any(f => f.Phase == phase)), $"no {phase} frame went out");
        }

        await TickUntilQuietAsync(grain);

        Assert.Equal(0, _time.ActiveFrameTimers);
        Assert.Equal([GamePhase.Countdown, GamePhase.Running, GamePhase.Finished], _publisher.Frames.Select(f => f.Phase).Distinct());
        Assert.Equal(GamePhase.Finished, (await _store.GetGameAsync("ROUND", CancellationToken.None))!.Phase);

        // A late score for the finished round wakes the timer once, for one frame.
        var frames = _publisher.Frames.Count;
        await grain.ScoresChanged([new ScoreUpdate("nobody", 1, 1, 0)]);
        await grain.Get();
        Assert.Equal(0, _time.ActiveFrameTimers);
        Assert.Equal(frames, _publisher.Frames.Count);
    }

    [Fact]
    public async Task Create_SaveFails_NoGameInMemory()
    {
        var grain = Grains.GetGrain<IGameGrain>("FAIL1");
        _store.FailSaves = true;

        await Assert.ThrowsAsync<IOException>(() => grain.Create(30));

        Assert.Null(await grain.Get());
        _store.FailSaves = false;
        Assert.Equal(45, (await grain.Create(45)).RoundSeconds);
    }

    [Fact]
    public async Task StartAndStop_SaveFails_TheGameInMemoryIsUnchanged()
    {
        var grain = Grains.GetGrain<IGameGrain>("FAIL2");
        var created = await grain.Create(30);
        _store.FailSaves = true;

        await Assert.ThrowsAsync<IOException>(() => grain.Start());

        Assert.Equal(created, await grain.Get());
        Assert.Equal(0, _time.ActiveFrameTimers);

        _store.FailSaves = false;
        var started = await grain.Start();
        _store.FailSaves = true;
        await Assert.ThrowsAsync<IOException>(() => grain.Stop());

        Assert.Equal(started, await grain.Get());
        Assert.Equal(GamePhase.Countdown, (await grain.Get())!.Phase);
        Assert.Equal(started!.RoundEndsAt, (await _store.GetGameAsync("FAIL2", CancellationToken.None))!.RoundEndsAt);
    }

    [Fact]
    public async Task Join_GameFull_RefusedWithTheLimitAndNoPlayerAdded()
    {
        var grain = Grains.GetGrain<IGameGrain>("FULL1");
        await grain.Create(30);
        for (var i = 0; i < 3; i++)
        {
            Assert.NotNull(await grain.Join($"P{i}", ""));
        }

        var full = await Assert.ThrowsAsync<GameFullException>(() => grain.Join("Late", ""));

        Assert.Equal("This game is full (3 players).", full.Message);
        Assert.Equal(3, full.Limit);
        Assert.Equal(3, (await _store.GetPlayersAsync("FULL1", CancellationToken.None)).Count);
        Assert.Equal(3, (await grain.Snapshot())!.PlayerCount);
    }

    [Fact]
    public async Task PerRound_SecondRound_StartsEveryoneAtZeroInTheStoreAndOnTheDisplay()
    {
        var grain = Grains.GetGrain<IGameGrain>("PERRD");
        await grain.Create(30);
        Assert.Equal(ScoreMode.PerRound, (await grain.Configure(ScoreMode.PerRound))!.Scoring);
        var ada = (await grain.Join("Ada", "red"))!;
        await grain.Start();
        await ScoreAsync(grain, "PERRD", ada.PlayerId, score: 300, seq: 4);
        await grain.Stop();
        Assert.Equal((1, 300L, 300L), Summary((await grain.Snapshot())!));

        var second = (await grain.Start())!;

        Assert.Equal((2, ScoreMode.PerRound), (second.Round, second.Scoring));
        // The seq stays: a batch applied before the reset is never applied again.
        Assert.Equal((0L, 4L), await LedgerOf("PERRD", ada.PlayerId));
        var frame = (await grain.Snapshot())!;
        Assert.Equal((2, 0L, 0L), Summary(frame));
        Assert.Equal(ScoreMode.PerRound, frame.Scoring);
        Assert.Equal(ScoreMode.PerRound, (await _store.GetGameAsync("PERRD", CancellationToken.None))!.Scoring);
    }

    [Fact]
    public async Task RunningTotal_RoundWithoutShakes_KeepsTheTotalsAndSaysTheRoundScoredNothing()
    {
        var grain = Grains.GetGrain<IGameGrain>("TOTAL");
        await grain.Create(30);
        var ada = (await grain.Join("Ada", ""))!;
        await grain.Start();
        await ScoreAsync(grain, "TOTAL", ada.PlayerId, score: 300, seq: 1);
        await grain.Stop();

        await grain.Start();
        await grain.Stop();

        var frame = (await grain.Snapshot())!;
        Assert.Equal((2, 300L, 0L), Summary(frame));
        Assert.Equal((ScoreMode.RunningTotal, GamePhase.Finished), (frame.Scoring, frame.Phase));
        Assert.Equal((300L, 1L), await LedgerOf("TOTAL", ada.PlayerId));
    }

    [Fact]
    public async Task ResetScores_OnlyBetweenRounds_AndAReportOfTheOldScoreArrivingAfterItIsIgnored()
    {
        var grain = Grains.GetGrain<IGameGrain>("RESET");
        await grain.Create(30);
        var ada = (await grain.Join("Ada", "red"))!;
        var bob = (await grain.Join("Bob", ""))!;
        await grain.Start();
        await ScoreAsync(grain, "RESET", ada.PlayerId, score: 300, seq: 2);

        Assert.Equal(GamePhase.Countdown, (await grain.ResetScores())!.Phase);
        Assert.Equal((300L, 2L), await LedgerOf("RESET", ada.PlayerId));

        await grain.Stop();
        Assert.Equal(GamePhase.Finished, (await grain.ResetScores())!.Phase);
        Assert.Equal((0L, 2L), await LedgerOf("RESET", ada.PlayerId));
        // The scoring function's report of the ledger it wrote before the reset, delivered after it.
        await grain.ScoresChanged([new ScoreUpdate(ada.PlayerId, 300, AppliedSeq: 2, CountedSamples: 0)]);
        // A later report behind it: once the board has Bob's points, it has seen Ada's old report too.
        await ScoreAsync(grain, "RESET", bob.PlayerId, score: 5, seq: 1);

        var frame = (await grain.Snapshot())!;
        Assert.Equal(0, frame.Leaders.Single(p => p.PlayerId == ada.PlayerId).Score);
        Assert.Equal(("red", 0L), (frame.Teams.Single().Team, frame.Teams.Single().Score));
        // Points before the reset are no round's result: the display shows no "nobody shook" either.
        Assert.Equal(-1, frame.RoundPoints);
    }

    [Fact]
    public async Task Snapshot_AfterCountedSamples_CarriesTheChartsLastMinute_PushedFramesDoNot()
    {
        var grain = Grains.GetGrain<IGameGrain>("CHART");
        await grain.Create(300);
        var ada = (await grain.Join("Ada", ""))!;
        await grain.Start();
        await ScoreAsync(grain, "CHART", ada.PlayerId, score: 500, seq: 1, samples: 50);
        await TickUntilPublishedAsync(grain, samplesPerSecond: 50);
        var first = _publisher.Frames.First(f => f.SamplesPerSecond == 50).ServerTime;
        _time.Advance(TimeSpan.FromSeconds(2));
        await ScoreAsync(grain, "CHART", ada.PlayerId, score: 1300, seq: 2, samples: 80);
        await TickUntilPublishedAsync(grain, samplesPerSecond: 80);

        var history = (await grain.Snapshot())!.History;

        Assert.Contains(history, p => p.SamplesPerSecond == 50 && p.Time == first);
        Assert.Equal(80, history.Max(p => p.SamplesPerSecond));
        // One point per 500 ms at most, oldest first.
        Assert.All(history.Zip(history.Skip(1)), pair => Assert.True(pair.Second.Time - pair.First.Time >= 500, $"{pair.First.Time} then {pair.Second.Time}"));
        Assert.All(_publisher.Frames, frame => Assert.Empty(frame.History));

        // A minute later the chart's minute holds none of those points.
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.DoesNotContain((await grain.Snapshot())!.History, p => p.Time <= first + 2_100);
    }

    [Fact]
    public async Task ScoresChanged_LastFrameAnIntervalOld_GoesOutAtOnce_AndFramesStayAnIntervalApart()
    {
        var grain = Grains.GetGrain<IGameGrain>("LEAD1");
        await grain.Create(300);
        var ada = (await grain.Join("Ada", ""))!;
        await grain.Start();
        await WaitUntilAsync(
            async () =>
            {
                await TickAsync(grain);
                return _publisher.Frames.Any(f => f.Phase == GamePhase.Running);
            },
            "no running frame went out");
        // One tick with nothing new: the last frame is now at least an interval old.
        await TickAsync(grain);
        var at = _time.GetUtcNow().ToUnixTimeMilliseconds();

        await ChangeScoreAsync(grain, ada.PlayerId, 100, seq: 1);

        // The leading edge: built in the same (fake) millisecond, no tick in between.
        Assert.Equal(at, (await FrameCarryingAsync(ada.PlayerId, seq: 1)).ServerTime);

        // Changes inside the interval wait for the tick an interval after that frame, however many there are.
        var interval = (long)FrameInterval.TotalMilliseconds;
        for (var seq = 2; seq <= 21; seq++)
        {
            await ChangeScoreAsync(grain, ada.PlayerId, 100 * seq, seq);
            _time.Advance(TimeSpan.FromMilliseconds(10));
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if ((now - at) % interval == 0)
            {
                // The frame due now goes out off the grain's turn: let it land before fake time moves on, as it would
                // in the real 50 ms (a frame still in flight is skipped, which is not what this test is about).
                await WaitUntilAsync(() => Task.FromResult(_publisher.Frames.Any(f => f.ServerTime == now)), $"no frame at +{now - at} ms");
            }
        }

        Assert.Equal(at + interval, (await FrameCarryingAsync(ada.PlayerId, seq: 2)).ServerTime);
        Assert.Equal(at + 4 * interval, (await FrameCarryingAsync(ada.PlayerId, seq: 21)).ServerTime);
        // 200 ms of changes every 10 ms: a frame every 50 ms, never closer.
        Assert.Equal(
            [at, at + interval, at + 2 * interval, at + 3 * interval, at + 4 * interval],
            _publisher.Frames.Select(f => f.ServerTime).Where(t => t >= at).Order());
    }

    /// <summary>Tells the grain a score changed (a one-way call) and waits until its board has it.</summary>
    private static async Task ChangeScoreAsync(IGameGrain grain, string playerId, long score, long seq)
    {
        await grain.ScoresChanged([new ScoreUpdate(playerId, score, seq, 0)]);
        await WaitUntilAsync(async () => (await grain.Snapshot())!.Leaders.Any(p => p.PlayerId == playerId && p.Score == score), $"score {score} never reached the board");
    }

    /// <summary>The first frame out that says the player's batch <paramref name="seq"/> is applied (waits for the off-turn send).</summary>
    private async Task<ScoreboardFrame> FrameCarryingAsync(string playerId, long seq)
    {
        await WaitUntilAsync(() => Task.FromResult(_publisher.Frames.Any(f => f.Applied.GetValueOrDefault(playerId) >= seq)), $"no frame carried seq {seq}");
        return _publisher.Frames.First(f => f.Applied.GetValueOrDefault(playerId) >= seq);
    }

    /// <summary>Ticks (a frame's time each) until a frame with that sample rate has gone out; one may still be in flight.</summary>
    private async Task TickUntilPublishedAsync(IGameGrain grain, long samplesPerSecond) =>
        await WaitUntilAsync(
            async () =>
            {
                await TickAsync(grain);
                return _publisher.Frames.Any(f => f.SamplesPerSecond == samplesPerSecond);
            },
            $"no frame with {samplesPerSecond} samples/s went out");

    private static (int Round, long LeaderScore, long RoundPoints) Summary(ScoreboardFrame frame) =>
        (frame.Round, frame.Leaders.Single().Score, frame.RoundPoints);

    private async Task<(long Score, long LastSeq)> LedgerOf(string gameId, string playerId)
    {
        var ledger = (await _store.GetPlayersAsync(gameId, CancellationToken.None)).Single(r => r.Profile.PlayerId == playerId).Ledger;
        return (ledger.Score, ledger.LastSeq);
    }

    /// <summary>What the scoring function does for a batch: writes the ledger, then tells the grain; waits until the board has it.</summary>
    private async Task ScoreAsync(IGameGrain grain, string gameId, string playerId, long score, long seq, int samples = 1)
    {
        await _store.UpdateLedgersAsync(gameId, [(playerId, ledger => ledger with { Score = score, LastSeq = seq })], CancellationToken.None);
        await grain.ScoresChanged([new ScoreUpdate(playerId, score, seq, samples)]);
        await WaitUntilAsync(async () => (await grain.Snapshot())!.Leaders.Any(p => p.PlayerId == playerId && p.Score == score), "the score never reached the board");
    }

    /// <summary>Moves the clock one frame and lets the grain's tick run: a grain call queues behind it.</summary>
    private async Task TickAsync(IGameGrain grain)
    {
        _time.Advance(FrameInterval);
        await grain.Get();
    }

    /// <summary>
    /// Ticks until the grain's timer is gone (at most two seconds of fake time); a send runs off the grain's turn, so
    /// a tick may find the last frame still in flight and the next one finishes the job. Answers the ticks it took.
    /// </summary>
    private async Task<int> TickUntilQuietAsync(IGameGrain grain)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        for (var ticks = 1; ticks <= 2 * FramesPerSecond; ticks++)
        {
            await TickAsync(grain);
            if (_time.ActiveFrameTimers == 0)
            {
                return ticks;
            }

            // Real time for the off-turn send to complete, not fake time: the grain's clock must not move here.
            await Task.Delay(5, deadline.Token);
        }

        Assert.Fail("the game kept ticking");
        return 0;
    }

    private async Task<IReadOnlyList<string>> ActiveGamesAsync()
    {
        var statistics = await Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains(nameof(GameGrain), StringComparison.Ordinal)).Select(s => s.GrainId.Key.ToString()!).ToList();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!await condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Fake time that counts the live timers last set to fire one frame interval ahead: the game grains' tickers
    /// (an Orleans grain timer re-arms a one-shot timer with its period after each tick, and disposes it when stopped).
    /// </summary>
    private sealed class CountingTimeProvider(DateTimeOffset start, TimeSpan framePeriod) : FakeTimeProvider(start)
    {
        private readonly ConcurrentDictionary<CountingTimer, byte> _timers = new();

        public int ActiveFrameTimers => _timers.Keys.Count(t => t.DueTime == framePeriod);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new CountingTimer(this, base.CreateTimer(callback, state, dueTime, period), dueTime);
            _timers[timer] = 0;
            return timer;
        }

        private sealed class CountingTimer(CountingTimeProvider owner, ITimer inner, TimeSpan dueTime) : ITimer
        {
            public TimeSpan DueTime { get; private set; } = dueTime;

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                DueTime = dueTime;
                return inner.Change(dueTime, period);
            }

            public void Dispose()
            {
                owner._timers.TryRemove(this, out _);
                inner.Dispose();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }

    /// <summary>Games and players in memory; saves can be made to fail as a store outage would.</summary>
    private sealed class MemoryGameStore : IGameStore
    {
        private readonly ConcurrentDictionary<string, GameRecord> _games = new();
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, PlayerRow>> _players = new();

        public volatile bool FailSaves;

        public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SaveGameAsync(GameRecord game, CancellationToken cancellationToken)
        {
            if (FailSaves)
            {
                throw new IOException("The store is down.");
            }

            _games[game.GameId] = game;
            return Task.CompletedTask;
        }

        public Task<GameRecord?> GetGameAsync(string gameId, CancellationToken cancellationToken) =>
            Task.FromResult(_games.GetValueOrDefault(gameId));

        public Task<IReadOnlyList<GameRecord>> ListGamesAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<GameRecord>>([.. _games.Values.OrderByDescending(g => g.CreatedAt)]);

        public Task AddPlayerAsync(string gameId, PlayerProfile player, CancellationToken cancellationToken)
        {
            _players.GetOrAdd(gameId, _ => new()).TryAdd(player.PlayerId, new PlayerRow(player, PlayerLedger.Empty));
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<PlayerRow>> GetPlayersAsync(string gameId, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<PlayerRow>>(_players.TryGetValue(gameId, out var rows) ? [.. rows.Values] : []);

        public Task<IReadOnlyList<(string PlayerId, PlayerLedger Ledger)>> UpdateLedgersAsync(
            string gameId, IReadOnlyList<(string PlayerId, Func<PlayerLedger, PlayerLedger> Update)> updates, CancellationToken cancellationToken)
        {
            // The scoring function's writes (in these tests) and the grain's resets; one test's calls do not race.
            var rows = _players.GetOrAdd(gameId, _ => new());
            var written = new List<(string, PlayerLedger)>();
            foreach (var (playerId, update) in updates)
            {
                if (rows.TryGetValue(playerId, out var row))
                {
                    var ledger = update(row.Ledger);
                    rows[playerId] = row with { Ledger = ledger };
                    written.Add((playerId, ledger));
                }
            }

            return Task.FromResult<IReadOnlyList<(string PlayerId, PlayerLedger Ledger)>>(written);
        }
    }

    private sealed class RecordingPublisher : IFramePublisher
    {
        public ConcurrentQueue<ScoreboardFrame> Frames { get; } = new();

        public ConcurrentQueue<IReadOnlyList<PhoneStanding>> Standings { get; } = new();

        public ConcurrentQueue<HallFrame> Halls { get; } = new();

        public Task PublishAsync(ScoreboardFrame frame, CancellationToken cancellationToken)
        {
            Frames.Enqueue(frame);
            return Task.CompletedTask;
        }

        public Task PublishStandingsAsync(IReadOnlyList<PhoneStanding> standings, CancellationToken cancellationToken)
        {
            Standings.Enqueue(standings);
            return Task.CompletedTask;
        }

        public Task PublishHallAsync(HallFrame frame, CancellationToken cancellationToken)
        {
            Halls.Enqueue(frame);
            return Task.CompletedTask;
        }
    }
}
