using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace Game.Tests.Persistence;

/// <summary>
/// Two servers on one DynamoDB that both believe they own the same shards: the later one's lease fences the
/// earlier one, whose shard reader stops at its next checkpoint instead of writing it.
/// </summary>
public sealed class LeaseFencingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ShardPoller_AnotherServerAcquiredTheLease_StopsAtItsNextCheckpoint()
    {
        await using var dynalite = new DynaliteProcess(persistent: false);
        await dynalite.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["Game:CountdownSeconds"] = "0",
            ["Storage:Provider"] = "DynamoDb",
            ["Storage:DynamoDb:ServiceUrl"] = dynalite.Url,
        };
        await using var first = new ServerProcess(settings);
        await first.StartAsync();
        using var client = new GameClient(first);
        var game = await client.CreateGameAsync(roundSeconds: 600);
        var player = await client.JoinAsync(game.GameId, "Ada");
        await client.StartAsync(game.GameId);
        await using var phone = await client.ConnectPhoneAsync(player);
        var ledger = await SendAsync(phone, player, seq: 1, PlayerLedger.Empty);
        await WaitForScoreAsync(client, game.GameId, player.PlayerId, ledger.Score);

        // A second server on the same tables acquires every shard's lease (its own stream is empty).
        await using var second = new ServerProcess(settings);
        await second.StartAsync();

        // The first server still scores this batch (score writes are exactly once by seq on their own) ...
        ledger = await SendAsync(phone, player, seq: 2, ledger);
        await WaitForScoreAsync(client, game.GameId, player.PlayerId, ledger.Score);
        // ... but its checkpoint is refused, and that shard's reader stops.
        var deadline = DateTime.UtcNow + Patience;
        while (!first.Output.Contains("lost the lease of shardId-", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The first server never lost its lease:\n{first.Output}");
            await Task.Delay(50);
        }

        Assert.Contains("(held with counter 1) to another processor; this reader stops", first.Output);
    }

    private static async Task<PlayerLedger> SendAsync(HubConnection phone, GameClient.JoinedPlayer player, long seq, PlayerLedger ledger)
    {
        var batch = new MotionBatch
        {
            GameId = player.GameId,
            PlayerId = player.PlayerId,
            Seq = seq,
            Samples = Enumerable.Range(0, 10).Select(i => new MotionSample { T = seq * 1000 + i * 20, X = MotionScoring.Gravity + 5 }).ToList(),
        };
        var ack = await phone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch);
        Assert.True(ack.Accepted, ack.Error);
        return ScoreLedger.Apply(ledger, batch, counts: true).Ledger;
    }

    private static async Task WaitForScoreAsync(GameClient client, string gameId, string playerId, long score)
    {
        var deadline = DateTime.UtcNow + Patience;
        long current;
        while ((current = (await client.ScoreboardAsync(gameId)).Players.Single(p => p.PlayerId == playerId).Score) != score)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Score {current}, expected {score}");
            await Task.Delay(50);
        }
    }
}
