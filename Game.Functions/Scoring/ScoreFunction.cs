using Game.Functions.Contracts;
using Game.Functions.Runtime;

namespace Game.Functions.Scoring;

/// <summary>
/// The game's scoring function: for each batch of motion records, applies every player's batches to the
/// player's ledger in the store (exactly once, by the phone's seq) and tells each game's grain the new scores.
/// </summary>
public sealed class ScoreFunction(IGameStore store, IGrainFactory grains, FunctionMetrics metrics) : IKinesisFunction
{
    public const string Name = "score";

    public async Task<StreamsEventResponse> FunctionHandler(KinesisEvent kinesisEvent, ILambdaContext context)
    {
        // Records by game, in stream order. Usually one game: no LINQ and no grouping objects per record, as this runs
        // for every record the stream delivers (docs/performance.md).
        var games = new Dictionary<string, List<(MotionBatch Batch, DateTimeOffset Arrival)>>(1, StringComparer.Ordinal);
        var records = kinesisEvent.Records;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i].Kinesis;

            // A record that is not a motion batch can never succeed; failing it would stall the shard.
            if (MotionRecordReader.TryRead(record.Data, out var batch) && batch.PlayerId == record.PartitionKey)
            {
                if (!games.TryGetValue(batch.GameId, out var batches))
                {
                    games.Add(batch.GameId, batches = new List<(MotionBatch, DateTimeOffset)>(records.Count));
                }

                batches.Add((batch, record.ApproximateArrivalTimestamp));
            }
            else
            {
                context.Logger.LogLine($"Skipped record {record.SequenceNumber}: not a motion batch of player '{record.PartitionKey}'.");
            }
        }

        if (games.Count == 1)
        {
            foreach (var (gameId, batches) in games)
            {
                await ApplyGameAsync(gameId, batches, context);
            }
        }
        else if (games.Count > 1)
        {
            await Task.WhenAll(games.Select(game => ApplyGameAsync(game.Key, game.Value, context)));
        }

        return new StreamsEventResponse();
    }

    private async Task ApplyGameAsync(string gameId, List<(MotionBatch Batch, DateTimeOffset Arrival)> batches, ILambdaContext context)
    {
        var gameGrain = grains.GetGrain<IGameGrain>(gameId);
        if (await gameGrain.Get() is not { } game)
        {
            context.Logger.LogLine($"Skipped {batches.Count} records of unknown game '{gameId}'.");
            return;
        }

        // Each player's batches in stream order, with the round each arrived in: looked up once per record here, not
        // on every run of the update (the store may run it again), and reused while the records stay in one round
        // (a game's rounds never overlap, so the window that holds an arrival is the one RoundAt answers).
        var players = new Dictionary<string, PlayerUpdate>(StringComparer.Ordinal);
        var updates = new List<(string, Func<PlayerLedger, PlayerLedger>)>();
        RoundWindow? round = null;
        foreach (var (batch, arrival) in batches)
        {
            if (round is null || !round.Contains(arrival))
            {
                round = game.RoundAt(arrival);
            }

            if (!players.TryGetValue(batch.PlayerId, out var player))
            {
                players.Add(batch.PlayerId, player = new PlayerUpdate());
                updates.Add((batch.PlayerId, player.Apply));
            }

            player.Add(batch, arrival, round);
        }

        var written = await store.UpdateLedgersAsync(gameId, updates, context.CancellationToken);
        var changes = new List<ScoreUpdate>(written.Count);
        foreach (var (playerId, ledger) in written)
        {
            changes.Add(new ScoreUpdate(playerId, ledger.Score, ledger.LastSeq, players.TryGetValue(playerId, out var player) ? player.Outcome.Counted : 0));
        }

        var total = default(BatchOutcome);
        foreach (var player in players.Values)
        {
            total = total.Add(player.Outcome);
        }

        RecordOutcomes(total);
        if (changes.Count > 0)
        {
            await gameGrain.ScoresChanged(changes);
        }
    }

    private void RecordOutcomes(BatchOutcome total)
    {
        metrics.CountedSamples.Add(total.Counted);
        Drop(total.NotFinite, "not_finite");
        Drop(total.TooStrong, "too_strong");
        Drop(total.TimeNotIncreasing, "time_not_increasing");
        Drop(total.TooFrequent, "too_frequent");
        Drop(total.AheadOfServerClock, "ahead_of_server_clock");

        void Drop(int count, string rule)
        {
            if (count > 0)
            {
                metrics.DroppedSamples.Add(count, new KeyValuePair<string, object?>("rule", rule));
            }
        }
    }

    /// <summary>One player's batches of an invocation, applied to the player's ledger by the store's read-modify-write.</summary>
    private sealed class PlayerUpdate
    {
        private readonly List<(MotionBatch Batch, DateTimeOffset Arrival, RoundWindow? Round)> _batches = new(2);

        /// <summary>What the last run of <see cref="Apply"/> did (a store may run it more than once; the last run is the one written).</summary>
        public BatchOutcome Outcome { get; private set; }

        public void Add(MotionBatch batch, DateTimeOffset arrival, RoundWindow? round) => _batches.Add((batch, arrival, round));

        /// <summary>
        /// The update handed to the store. May run more than once when a conditional write loses a race: computed
        /// afresh each time. A store runs one player's update on one thread at a time.
        /// </summary>
        public PlayerLedger Apply(PlayerLedger ledger)
        {
            var total = default(BatchOutcome);
            foreach (var (batch, arrival, round) in _batches)
            {
                (ledger, var outcome) = ScoreLedger.ApplyRecord(ledger, batch, arrival, round);
                total = total.Add(outcome);
            }

            Outcome = total;
            return ledger;
        }
    }
}
