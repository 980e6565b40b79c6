using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Tests.Infrastructure;

namespace Game.Tests.Ingest.Kinesis;

/// <summary>
/// The game's own stream resharded while a game is played on it: producers keep writing motion batches through the
/// Kinesis API while the stream is split, merged and scaled, and the event source follows the new shards (a child
/// only after its parents end), so every player's score comes out exact.
/// </summary>
public sealed class ReshardUnderLoadTests
{
    private const int Players = 8;
    private const int BatchesPerPlayer = 40;

    [Fact]
    public async Task Game_StreamSplitMergedAndScaledUnderLoad_KeepsExactScores()
    {
        await using var server = new ServerProcess(new Dictionary<string, string> { ["Game:CountdownSeconds"] = "0", ["Ingest:ShardCount"] = "2" });
        await server.StartAsync();
        using var client = new GameClient(server);
        var game = await client.CreateGameAsync(roundSeconds: 600);
        var players = new List<string>();
        for (var i = 0; i < Players; i++)
        {
            players.Add((await client.JoinAsync(game.GameId, $"P{i}")).PlayerId);
        }

        await client.StartAsync(game.GameId);
        var kinesis = new SignedKinesisRequests(server.BaseUrl, "AKIDGAMELOCAL", "game-local-secret");
        var batches = players.ToDictionary(p => p, p => Enumerable.Range(1, BatchesPerPlayer).Select(seq => new MotionBatch
        {
            GameId = game.GameId,
            PlayerId = p,
            Seq = seq,
            Samples = [new MotionSample { T = seq * 100, X = 9.81 + (seq % 7) + p.Length % 3 }, new MotionSample { T = seq * 100 + 20, X = 12 + seq % 5 }],
        }).ToList());
        var expected = batches.ToDictionary(b => b.Key, b => b.Value.Aggregate(PlayerLedger.Empty, (l, x) => ScoreLedger.Apply(l, x, counts: true).Ledger).Score);

        // Producers: each round puts every player's next batch in one PutRecords (a player's batches stay in order).
        var written = new List<string>();
        var producing = Task.Run(async () =>
        {
            for (var seq = 0; seq < BatchesPerPlayer; seq++)
            {
                var (status, answer) = await kinesis.SendJsonAsync("PutRecords", new
                {
                    StreamName = "motion",
                    Records = players.Select(p => new { Data = Convert.ToBase64String(MotionBatchCodec.EncodeJson(batches[p][seq])), PartitionKey = p }),
                });
                Assert.True(status == 200 && answer.RootElement.GetProperty("FailedRecordCount").GetInt32() == 0, $"PutRecords answered {status}: {answer.RootElement}");
                written.AddRange(answer.RootElement.GetProperty("Records").EnumerateArray().Select(r => r.GetProperty("ShardId").GetString()!));
                await Task.Delay(10);
            }
        });

        // Meanwhile: split shard 0, merge its children back, then scale 2 -> 4 -> 2, each once the last is applied.
        var quarter = ((System.Numerics.BigInteger.One << 128) / 4).ToString();
        await Reshard(kinesis, "SplitShard", new { StreamName = "motion", ShardToSplit = "shardId-000000000000", NewStartingHashKey = quarter });
        await Reshard(kinesis, "MergeShards", new { StreamName = "motion", ShardToMerge = "shardId-000000000002", AdjacentShardToMerge = "shardId-000000000003" });
        await Reshard(kinesis, "UpdateShardCount", new { StreamName = "motion", TargetShardCount = 4, ScalingType = "UNIFORM_SCALING" });
        await Reshard(kinesis, "UpdateShardCount", new { StreamName = "motion", TargetShardCount = 2, ScalingType = "UNIFORM_SCALING" });
        await producing;

        // The reshards happened while the game was written, not before or after it: records went to an original
        // shard and to shards the reshards created, so the scores below were read across a parent's end.
        Assert.Contains(written, shard => shard is "shardId-000000000000" or "shardId-000000000001");
        Assert.Contains(written, shard => shard is not ("shardId-000000000000" or "shardId-000000000001"));

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var scores = (await client.ScoreboardAsync(game.GameId)).Players.ToDictionary(p => p.PlayerId, p => p.Score);
            if (players.All(p => scores[p] == expected[p]))
            {
                break;
            }

            // Scores only grow, and a batch out of order would be dropped for good (its seq is not above the last
            // applied): a score past or short of its expectation at the deadline is a lost or reordered record. So
            // exact scores also say the lineage was kept: a child read before its parent ended would have applied a
            // player's later batches first and dropped the earlier ones still in the parent.
            Assert.True(DateTime.UtcNow < deadline,
                $"scores {string.Join(", ", players.Select(p => $"{scores[p]}/{expected[p]}"))} (got/expected)\n{server.Output}");
            Assert.All(players, p => Assert.True(scores[p] <= expected[p], $"{p} scored {scores[p]} > {expected[p]}: a batch counted twice"));
            await Task.Delay(100);
        }

        var shards = await kinesis.SendJsonAsync("ListShards", new { StreamName = "motion", ShardFilter = new { Type = "AT_LATEST" } });
        Assert.Equal(2, shards.Body.RootElement.GetProperty("Shards").GetArrayLength());
    }

    /// <summary>Sends a reshard and waits until the stream is ACTIVE again.</summary>
    private static async Task Reshard(SignedKinesisRequests kinesis, string operation, object body)
    {
        var (status, answer) = await kinesis.SendJsonAsync(operation, body);
        Assert.True(status == 200, $"{operation} answered {status}: {answer.RootElement}");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var (_, summary) = await kinesis.SendJsonAsync("DescribeStreamSummary", new { StreamName = "motion" });
            if (summary.RootElement.GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString() == "ACTIVE")
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"motion stayed UPDATING after {operation}");
            await Task.Delay(20);
        }

        // Pacing, not a check: the producers write into the new shards for a while before the next reshard.
        await Task.Delay(150);
    }
}
