using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Tests.Infrastructure;
using Game.Tests.Ingest.Kinesis;
using Microsoft.AspNetCore.SignalR.Client;

namespace Game.Tests.EndToEnd;

/// <summary>
/// A Kinesis producer and a phone write the same records to the same stream: a batch put through the Kinesis
/// API (JSON data) scores like one sent over SignalR (MessagePack data), and a resend through the other path
/// does not count twice.
/// </summary>
public sealed class KinesisAndPhoneProducersTests
{
    [Fact]
    public async Task PutRecords_MotionBatchesAsJson_ScoreLikePhonesAndDeduplicateAcrossPaths()
    {
        await using var server = new ServerProcess(new Dictionary<string, string> { ["Game:CountdownSeconds"] = "0" });
        await server.StartAsync();
        using var client = new GameClient(server);
        var game = await client.CreateGameAsync(roundSeconds: 600);
        var player = await client.JoinAsync(game.GameId, "Ada");
        await client.StartAsync(game.GameId);

        var batches = Enumerable.Range(1, 3).Select(seq => new MotionBatch
        {
            GameId = game.GameId,
            PlayerId = player.PlayerId,
            Seq = seq,
            Samples = [new MotionSample { T = seq * 100, X = 9.81 + 5 * seq }, new MotionSample { T = seq * 100 + 20, X = 20 }],
        }).ToList();
        var expected = batches.Aggregate(PlayerLedger.Empty, (l, b) => ScoreLedger.Apply(l, b, counts: true).Ledger).Score;

        var kinesis = new SignedKinesisRequests(server.BaseUrl, "AKIDGAMELOCAL", "game-local-secret");
        var (status, answer) = await kinesis.SendJsonAsync("PutRecords", new
        {
            StreamName = "motion",
            Records = batches.Take(2).Select(b => new { Data = Convert.ToBase64String(MotionBatchCodec.EncodeJson(b)), PartitionKey = b.PlayerId }),
        });
        Assert.Equal(200, status);
        Assert.Equal(0, answer.RootElement.GetProperty("FailedRecordCount").GetInt32());

        // The phone sends batch 2 again (it never saw its ack) and then batch 3, over SignalR.
        await using var phone = await client.ConnectPhoneAsync(player);
        Assert.True((await phone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batches[1])).Accepted);
        Assert.True((await phone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batches[2])).Accepted);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        long score;
        while ((score = (await client.ScoreboardAsync(game.GameId)).Players.Single().Score) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"score {score}, expected {expected}");
            await Task.Delay(50);
        }

        await Task.Delay(500);
        Assert.Equal(expected, (await client.ScoreboardAsync(game.GameId)).Players.Single().Score);
    }
}
