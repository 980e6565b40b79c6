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

        public static IGrainFactory For(IGameGrain grain)
        {
            var factory = Create<IGrainFactory, GrainFactoryStub>();
            ((GrainFactoryStub)(object)factory)._grain = grain;
            return factory;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod is { Name: nameof(IGrainFactory.GetGrain) } && targetMethod.ReturnType == typeof(IGameGrain)
                ? _grain
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
