using System.Diagnostics.Metrics;
using System.Reflection;
using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Functions.Scoring;

namespace Game.Tests.Scoring;

/// <summary>
/// The score function between the stream and the store: Kinesis events with the stream's arrival stamps, a store
/// that keeps whole ledgers between invocations, and a game grain that answers the round and takes the scores.
/// </summary>
public sealed class ScoreFunctionTests
{
    private static readonly DateTimeOffset RoundStart = new(2026, 12, 1, 20, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task FunctionHandler_ScriptAheadOfTheServerClock_CountsAtMostTheRoundsTimeAndReportsTheRestByRule()
    {
        var game = new GameRecord { GameId = "G", Phase = GamePhase.Running, RoundSeconds = 10, Round = 1, RoundStartsAt = RoundStart, RoundEndsAt = RoundStart.AddSeconds(10) };
        var store = new LedgerStore("p");
        var grain = new GameGrainStub(game);
        using var metrics = new FunctionMetrics();
        using var counts = new SampleCounts(metrics);
        var function = new ScoreFunction(store, GrainFactoryStub.For(grain), metrics);

        // The attack of issue 13 (1,024 batches of 200 samples 10 ms apart at 400 points each over the 10 s round),
        // handed over as the event source does: in order, 100 records an invocation. Then all of it once more (a retry).
        var records = Enumerable.Range(0, 1024).Select(i => Record(
            new MotionBatch
            {
                GameId = "G",
                PlayerId = "p",
                Seq = i + 1,
                Samples = [.. Enumerable.Range(0, 200).Select(k => new MotionSample { T = (i * 200 + k) * 10.0, X = 49.81 })],
            },
            RoundStart + TimeSpan.FromTicks(i * TimeSpan.FromSeconds(10).Ticks / 1024))).ToList();
        foreach (var pass in new[] { records, records })
        {
            foreach (var chunk in pass.Chunk(100))
            {
                await function.FunctionHandler(new KinesisEvent { Records = chunk }, new Context());
            }
        }

        Assert.Equal(1_099 * 400, store.Ledgers["p"].Score);
        Assert.Equal(RoundStart.ToUnixTimeMilliseconds() + 10_990, store.Ledgers["p"].CountedUntil);
        Assert.Equal((1_099L * 400, 1024L), (grain.Updates[^1].Score, grain.Updates[^1].AppliedSeq));
        Assert.Equal(1_099, counts.Counted);
        Assert.Equal(new Dictionary<string, long> { ["ahead_of_server_clock"] = 1024 * 200 - 1_099 }, counts.DroppedByRule);
    }

    [Fact]
    public async Task FunctionHandler_TwoGamesAndSeveralRoundsInOneInvocation_EveryRecordScoresAsAppliedAloneInStreamOrder()
    {
        // G1 had a round, then a gap, and runs its second; G2 runs its first. Records of both, interleaved, arriving
        // in G1's earlier round, between its rounds, in its current round, and back in the earlier one.
        var g1 = new GameRecord
        {
            GameId = "G1", Phase = GamePhase.Running, RoundSeconds = 10, Round = 2,
            RoundStartsAt = RoundStart.AddSeconds(20), RoundEndsAt = RoundStart.AddSeconds(30),
            EarlierRounds = [new RoundWindow(RoundStart, RoundStart.AddSeconds(10))],
        };
        var g2 = new GameRecord { GameId = "G2", Phase = GamePhase.Running, RoundSeconds = 30, Round = 1, RoundStartsAt = RoundStart, RoundEndsAt = RoundStart.AddSeconds(30) };
        var store = new LedgerStore("a", "b", "c");
        var grains = new Dictionary<string, GameGrainStub> { ["G1"] = new(g1), ["G2"] = new(g2) };
        using var metrics = new FunctionMetrics();
        using var counts = new SampleCounts(metrics);
        var function = new ScoreFunction(store, GrainFactoryStub.For(grains.ToDictionary(g => g.Key, g => (IGameGrain)g.Value)), metrics);
        (string Game, string Player, int Seq, double At)[] stream =
        [
            ("G1", "a", 1, 1), ("G2", "c", 1, 1.5), ("G1", "a", 2, 15), ("G1", "b", 1, 21), ("G1", "a", 3, 22),
            ("G2", "c", 2, 22.5), ("G1", "b", 2, 2), ("G1", "a", 4, 3), ("G1", "b", 3, 25), ("G1", "a", 5, 31),
        ];
        var records = stream.Select(r => Record(
            new MotionBatch
            {
                GameId = r.Game,
                PlayerId = r.Player,
                Seq = r.Seq,
                Samples = [.. Enumerable.Range(0, 40).Select(k => new MotionSample { T = (r.Seq * 1_000) + (k * 10.0), X = 15 + r.Seq })],
            },
            RoundStart.AddSeconds(r.At))).ToList();

        await function.FunctionHandler(new KinesisEvent { Records = records }, new Context());

        // The rule, record by record: each applied to its player's ledger with the round it arrived in.
        var expected = new Dictionary<string, PlayerLedger> { ["a"] = PlayerLedger.Empty, ["b"] = PlayerLedger.Empty, ["c"] = PlayerLedger.Empty };
        var counted = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0, ["c"] = 0 };
        foreach (var record in records)
        {
            MotionRecordReader.TryRead(record.Kinesis.Data, out var batch);
            var game = batch.GameId == "G1" ? g1 : g2;
            var arrival = record.Kinesis.ApproximateArrivalTimestamp;
            (expected[batch.PlayerId], var outcome) = ScoreLedger.ApplyRecord(expected[batch.PlayerId], batch, arrival, game.RoundAt(arrival));
            counted[batch.PlayerId] += outcome.Counted;
        }

        Assert.Equal(expected, store.Ledgers);
        Assert.Equal(
            [new ScoreUpdate("a", expected["a"].Score, 5, counted["a"]), new ScoreUpdate("b", expected["b"].Score, 3, counted["b"])],
            grains["G1"].Updates.OrderBy(u => u.PlayerId));
        Assert.Equal([new ScoreUpdate("c", expected["c"].Score, 2, counted["c"])], grains["G2"].Updates);
        Assert.Equal(counted.Values.Sum(), counts.Counted);
        Assert.True(expected["a"].Score > 0 && expected["b"].Score > 0 && expected["c"].Score > 0);
    }

    private static KinesisEvent.KinesisEventRecord Record(MotionBatch batch, DateTimeOffset arrival) => new()
    {
        Kinesis = new KinesisEvent.Record
        {
            PartitionKey = batch.PlayerId,
            SequenceNumber = batch.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Data = MotionBatchCodec.Encode(batch),
            ApproximateArrivalTimestamp = arrival,
        },
    };

    /// <summary>The metrics of one <see cref="FunctionMetrics"/> instance (others in parallel tests share its meter's name).</summary>
    private sealed class SampleCounts : IDisposable
    {
        private readonly MeterListener _listener = new();

        public SampleCounts(FunctionMetrics metrics)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument, metrics.CountedSamples) || ReferenceEquals(instrument, metrics.DroppedSamples))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                lock (DroppedByRule)
                {
                    if (ReferenceEquals(instrument, metrics.CountedSamples))
                    {
                        Counted += value;
                    }
                    else
                    {
                        var rule = (string)tags.ToArray().Single(t => t.Key == "rule").Value!;
                        DroppedByRule[rule] = DroppedByRule.GetValueOrDefault(rule) + value;
                    }
                }
            });
            _listener.Start();
        }

        public long Counted { get; private set; }

        public Dictionary<string, long> DroppedByRule { get; } = [];

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>Keeps whole ledgers between invocations, as the stores must.</summary>
    private sealed class LedgerStore(params string[] players) : IGameStore
    {
        public Dictionary<string, PlayerLedger> Ledgers { get; } = players.ToDictionary(p => p, _ => PlayerLedger.Empty);

        public Task<IReadOnlyList<(string PlayerId, PlayerLedger Ledger)>> UpdateLedgersAsync(
            string gameId, IReadOnlyList<(string PlayerId, Func<PlayerLedger, PlayerLedger> Update)> updates, CancellationToken cancellationToken)
        {
            var written = new List<(string, PlayerLedger)>();
            foreach (var (playerId, update) in updates)
            {
                if (Ledgers.TryGetValue(playerId, out var ledger) && update(ledger) is var next && next != ledger)
                {
                    Ledgers[playerId] = next;
                    written.Add((playerId, next));
                }
            }

            return Task.FromResult<IReadOnlyList<(string, PlayerLedger)>>(written);
        }

        public Task SaveGameAsync(GameRecord game, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<GameRecord?> GetGameAsync(string gameId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<GameRecord>> ListGamesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task AddPlayerAsync(string gameId, PlayerProfile player, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<PlayerRow>> GetPlayersAsync(string gameId, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    /// <summary>The game as the score function sees it: its round windows, and the scores it is told.</summary>
    private sealed class GameGrainStub(GameRecord game) : IGameGrain
    {
        public List<ScoreUpdate> Updates { get; } = [];

        public Task<GameRecord?> Get() => Task.FromResult<GameRecord?>(game);

        public Task ScoresChanged(IReadOnlyList<ScoreUpdate> updates)
        {
            Updates.AddRange(updates);
            return Task.CompletedTask;
        }

        public Task<GameRecord> Create(int roundSeconds) => throw new NotSupportedException();

        public Task<PlayerProfile?> Join(string nickname, string team) => throw new NotSupportedException();

        public Task<GameRecord?> Start() => throw new NotSupportedException();

        public Task<GameRecord?> Stop() => throw new NotSupportedException();

        public Task<GameRecord?> Configure(ScoreMode scoring) => throw new NotSupportedException();

        public Task<GameRecord?> ResetScores() => throw new NotSupportedException();

        public Task<ScoreboardFrame?> Snapshot() => throw new NotSupportedException();

        public Task<HallFrame?> HallSnapshot() => throw new NotSupportedException();

        public Task<PhoneStanding?> Standing(string playerId) => throw new NotSupportedException();
    }

    /// <summary>A grain factory that answers the one game grain for any key (the only call the score function makes).</summary>
    public class GrainFactoryStub : DispatchProxy
    {
        private IGameGrain? _grain;
        private IReadOnlyDictionary<string, IGameGrain>? _grains;

        public static IGrainFactory For(IGameGrain grain)
        {
            var factory = Create<IGrainFactory, GrainFactoryStub>();
            ((GrainFactoryStub)(object)factory)._grain = grain;
            return factory;
        }

        /// <summary>A factory that answers each game's grain by its key.</summary>
        public static IGrainFactory For(IReadOnlyDictionary<string, IGameGrain> grains)
        {
            var factory = Create<IGrainFactory, GrainFactoryStub>();
            ((GrainFactoryStub)(object)factory)._grains = grains;
            return factory;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod is { Name: nameof(IGrainFactory.GetGrain) } && targetMethod.ReturnType == typeof(IGameGrain)
                ? _grain ?? _grains![(string)args![0]!]
                : throw new NotSupportedException(targetMethod?.Name);
    }

    private sealed class Context : ILambdaContext
    {
        public string AwsRequestId => "test";

        public string FunctionName => ScoreFunction.Name;

        public TimeSpan RemainingTime => TimeSpan.FromMinutes(1);

        public ILambdaLogger Logger { get; } = new Log();

        public CancellationToken CancellationToken => CancellationToken.None;

        private sealed class Log : ILambdaLogger
        {
            public void LogLine(string message) => throw new InvalidOperationException($"Unexpected log line: {message}");
        }
    }
}
