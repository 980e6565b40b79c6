using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Functions.Scoring;

namespace TeamBonusScore;

/// <summary>
/// A variant of the game's scoring function (Game.Functions/Scoring/ScoreFunction.cs): the same rules, the same
/// exactly-once ledger, but the points of one team count double. The team is the function's environment variable
/// <c>DOUBLE_TEAM</c> (<c>aws lambda update-function-configuration --environment Variables={DOUBLE_TEAM=red}</c>);
/// without it no team doubles and the scores are the built-in function's.
/// </summary>
/// <remarks>
/// Constructed by the server's container, so it asks for what the server has (the store, the grains); it should not
/// ask for an <c>ILogger&lt;T&gt;</c> of its own type, which the server's container would keep, and with it this code,
/// after the code was replaced. Log with <see cref="ILambdaContext.Logger"/>.
/// </remarks>
public sealed class TeamBonusScoreFunction(IGameStore store, IGrainFactory grains) : IKinesisFunction
{
    public const string TeamVariable = "DOUBLE_TEAM";

    public async Task<StreamsEventResponse> FunctionHandler(KinesisEvent kinesisEvent, ILambdaContext context)
    {
        var doubled = context.EnvironmentVariables.GetValueOrDefault(TeamVariable, "");
        var byGame = new Dictionary<string, List<(MotionBatch Batch, DateTimeOffset Arrival)>>(StringComparer.Ordinal);
        foreach (var record in kinesisEvent.Records)
        {
            // As the built-in function: a record that is not a motion batch can never succeed; failing it would stall the shard.
            if (MotionBatchCodec.TryDecode(record.Kinesis.Data, out var batch) && batch.PlayerId == record.Kinesis.PartitionKey)
            {
                if (!byGame.TryGetValue(batch.GameId, out var list))
                {
                    byGame[batch.GameId] = list = [];
                }

                list.Add((batch, record.Kinesis.ApproximateArrivalTimestamp));
            }
            else
            {
                context.Logger.LogLine($"Skipped record {record.Kinesis.SequenceNumber}: not a motion batch of player '{record.Kinesis.PartitionKey}'.");
            }
        }

        await Task.WhenAll(byGame.Select(game => ApplyGameAsync(game.Key, game.Value, doubled, context)));
        return new StreamsEventResponse();
    }

    private async Task ApplyGameAsync(string gameId, List<(MotionBatch Batch, DateTimeOffset Arrival)> batches, string doubled, ILambdaContext context)
    {
        var gameGrain = grains.GetGrain<IGameGrain>(gameId);
        if (await gameGrain.Get() is not { } game)
        {
            context.Logger.LogLine($"Skipped {batches.Count} records of unknown game '{gameId}'.");
            return;
        }

        var teams = doubled.Length == 0
            ? new Dictionary<string, string>()
            : (await store.GetPlayersAsync(gameId, context.CancellationToken)).ToDictionary(p => p.Profile.PlayerId, p => p.Profile.Team, StringComparer.Ordinal);
        var counted = new Dictionary<string, int>(StringComparer.Ordinal);
        var updates = batches
            .GroupBy(b => b.Batch.PlayerId, StringComparer.Ordinal)
            .Select(player => (player.Key, (Func<PlayerLedger, PlayerLedger>)(ledger =>
            {
                // May run more than once when a conditional write loses a race: computed afresh from the ledger each time.
                var factor = teams.GetValueOrDefault(player.Key) == doubled && doubled.Length > 0 ? 2 : 1;
                var samples = 0;
                foreach (var (batch, arrival) in player)
                {
                    var (next, outcome) = ScoreLedger.ApplyRecord(ledger, batch, arrival, game.RoundAt(arrival));
                    // ApplyRecord added the batch's points once; a doubled team gets them again. A batch applied before
                    // (its seq not above the ledger's) scores 0, so a replayed batch doubles nothing: exactly once still.
                    ledger = next with { Score = next.Score + ((factor - 1) * outcome.Points) };
                    samples += outcome.Counted;
                }

                lock (counted)
                {
                    counted[player.Key] = samples;
                }

                return ledger;
            })))
            .ToList();

        var written = await store.UpdateLedgersAsync(gameId, updates, context.CancellationToken);
        if (written.Count > 0)
        {
            await gameGrain.ScoresChanged(written
                .Select(w => new ScoreUpdate(w.PlayerId, w.Ledger.Score, w.Ledger.LastSeq, counted.GetValueOrDefault(w.PlayerId)))
                .ToList());
        }
    }
}
