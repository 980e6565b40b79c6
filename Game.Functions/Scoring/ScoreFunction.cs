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
        var batches = new List<(MotionBatch Batch, DateTimeOffset Arrival)>(kinesisEvent.Records.Count);
        foreach (var record in kinesisEvent.Records)
        {
            // A record that is not a motion batch can never succeed; failing it would stall the shard.
            if (MotionRecordReader.TryRead(record.Kinesis.Data, out var batch) && batch.PlayerId == record.Kinesis.PartitionKey)
            {
                batches.Add((batch, record.Kinesis.ApproximateArrivalTimestamp));
            }
            else
            {
                context.Logger.LogLine($"Skipped record {record.Kinesis.SequenceNumber}: not a motion batch of player '{record.Kinesis.PartitionKey}'.");
            }
        }

        await Task.WhenAll(batches.GroupBy(b => b.Batch.GameId, StringComparer.Ordinal)
            .Select(game => ApplyGameAsync(game.Key, game.ToList(), context)));
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

        var outcomes = new Dictionary<string, BatchOutcome>(StringComparer.Ordinal);
        var updates = batches
            .GroupBy(b => b.Batch.PlayerId, StringComparer.Ordinal)
            .Select(player => (player.Key, (Func<PlayerLedger, PlayerLedger>)(ledger =>
            {
                // May run more than once when a conditional write loses a race: computed afresh each time.
                var total = default(BatchOutcome);
                foreach (var (batch, arrival) in player)
                {
                    (ledger, var outcome) = ScoreLedger.ApplyRecord(ledger, batch, arrival, game.RoundAt(arrival));
                    total = total.Add(outcome);
                }

                lock (outcomes)
                {
                    outcomes[player.Key] = total;
                }

                return ledger;
            })))
            .ToList();

        var written = await store.UpdateLedgersAsync(gameId, updates, context.CancellationToken);
        var changes = written
            .Select(w => new ScoreUpdate(w.PlayerId, w.Ledger.Score, w.Ledger.LastSeq, outcomes.GetValueOrDefault(w.PlayerId).Counted))
            .ToList();
        RecordOutcomes(outcomes.Values);
        if (changes.Count > 0)
        {
            await gameGrain.ScoresChanged(changes);
        }
    }

    private void RecordOutcomes(IEnumerable<BatchOutcome> outcomes)
    {
        var total = outcomes.Aggregate(default(BatchOutcome), (sum, o) => sum.Add(o));
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
}
