using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Tests.Infrastructure;
using Game.Tests.Storage;
using Microsoft.AspNetCore.SignalR.Client;
using StackExchange.Redis;

namespace Game.Tests.Cluster;

/// <summary>
/// Two real server processes in one Orleans cluster on Redis (membership and SignalR backplane), sharing the
/// DynamoDB store on dynalite. Until the shared stream exists (issue #14) each node keeps its own embedded stream
/// through the tests-only <c>Cluster:AllowNodeLocalStream</c>, under a stream name of its own so their shard leases
/// (keyed by stream name, in the shared lease table) stay apart: a phone's records are scored by the node it sends to.
/// </summary>
public sealed class TwoNodeClusterTests : IAsyncLifetime
{
    private const string PlayerTokenKey = "cluster-test-player-token-key-0123456789";

    private readonly string _clusterId = "cluster-" + Guid.NewGuid().ToString("N")[..8];
    private readonly ServerProcess _nodeA;
    private readonly ServerProcess _nodeB;

    public TwoNodeClusterTests()
    {
        var store = DynamoDbTestStore.UniqueOptions();
        var cluster = new Dictionary<string, string>
        {
            ["Orleans:Clustering:ProviderType"] = "Redis",
            ["Orleans:Clustering:ServiceKey"] = "redis",
            ["ConnectionStrings:redis"] = TestRedis.Address,
            ["Orleans:ClusterId"] = _clusterId,
            ["Storage:Provider"] = "DynamoDb",
            ["Storage:DynamoDb:ServiceUrl"] = store.ServiceUrl!,
            ["Storage:DynamoDb:TablePrefix"] = store.TablePrefix,
            ["Cluster:AllowNodeLocalStream"] = "true",
            ["Game:PlayerTokenKey"] = PlayerTokenKey,
            ["Game:CountdownSeconds"] = "0",
            ["Ingest:ShardCount"] = "1",
        };
        _nodeA = new ServerProcess(Node(cluster, "a"));
        _nodeB = new ServerProcess(Node(cluster, "b"));
    }

    public async Task InitializeAsync()
    {
        // One after the other: the first creates the tables, the second joins a cluster that has a member.
        try
        {
            await _nodeA.StartAsync();
            await _nodeB.StartAsync();
        }
        catch
        {
            // xunit does not dispose a test class whose InitializeAsync failed: a started node would outlive the run.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _nodeB.DisposeAsync();
        await _nodeA.DisposeAsync();
    }

    [Fact]
    public async Task TwoNodes_GameCreatedOnA_PlayedThroughBoth_DisplaysOnBothShowExactScores()
    {
        // One cluster, not two silos that share a store: both are active rows of Orleans' membership table in Redis
        // (Microsoft.Orleans.Clustering.Redis keeps it in the hash "<ServiceId>/members/<ClusterId>").
        using (var redis = await ConnectionMultiplexer.ConnectAsync(TestRedis.Address))
        {
            var rows = await redis.GetDatabase().HashGetAllAsync($"game/members/{_clusterId}");
            Assert.Equal(2, rows.Count(row => row.Value.ToString().Contains("\"Status\":3", StringComparison.Ordinal)));
        }

        using var clientA = new GameClient(_nodeA);
        using var clientB = new GameClient(_nodeB);

        // The game grain lives once in the cluster: created through A, B finds it.
        var game = await clientA.CreateGameAsync(roundSeconds: 60);
        Assert.Equal("lobby", (await clientB.ScoreboardAsync(game.GameId)).State);

        // Tokens issued by one node, used on the other.
        var ada = await clientA.JoinAsync(game.GameId, "Ada", "red");
        var grace = await clientB.JoinAsync(game.GameId, "Grace", "blue");

        // A display on each node: the frames are published where the game's grain runs, which is one of the two,
        // so one display at least hears them only through the backplane.
        var expected = new Dictionary<string, long>();
        await using var displayA = await clientA.ConnectPresenterAsync();
        await using var displayB = await clientB.ConnectPresenterAsync();
        var exactOnA = WhenFramesShow(displayA, expected);
        var exactOnB = WhenFramesShow(displayB, expected);
        foreach (var display in new[] { displayA, displayB })
        {
            var snapshot = await display.InvokeAsync<ScoreboardFrame>(PresenterHubMethods.Watch, game.GameId, false);
            Assert.Equal(2, snapshot.PlayerCount);
        }

        await clientB.StartAsync(game.GameId);

        // Ada joined on A and connects her phone on B; Grace joined on B and connects on A.
        await using var adaPhone = await clientB.ConnectPhoneAsync(ada);
        await using var gracePhone = await clientA.ConnectPhoneAsync(grace);
        var scores = new Dictionary<string, long>
        {
            [ada.PlayerId] = await SendAsync(adaPhone, ada, strength: 3),
            [grace.PlayerId] = await SendAsync(gracePhone, grace, strength: 1),
        };
        lock (expected)
        {
            foreach (var (player, score) in scores)
            {
                expected[player] = score;
            }
        }

        await Task.WhenAll(exactOnA, exactOnB).WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var client in new[] { clientA, clientB })
        {
            var scoreboard = await client.ScoreboardAsync(game.GameId);
            Assert.Equal(scores.OrderBy(s => s.Key), scoreboard.Players.ToDictionary(p => p.PlayerId, p => p.Score).OrderBy(s => s.Key));
        }
    }

    private static Dictionary<string, string> Node(Dictionary<string, string> cluster, string name) => new(cluster)
    {
        // Lease rows are keyed by function, stream and shard: distinct stream names keep two node-local streams apart.
        ["Ingest:StreamName"] = "motion-" + name,
    };

    /// <summary>Completes when a frame on this display shows every expected score (set once the phones are done).</summary>
    private static Task WhenFramesShow(HubConnection display, Dictionary<string, long> expected)
    {
        var shown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        display.On<ScoreboardFrame>(nameof(IPresenterClient.Frame), frame =>
        {
            lock (expected)
            {
                if (expected.Count > 0 && expected.All(e => frame.Leaders.Any(l => l.PlayerId == e.Key && l.Score == e.Value)))
                {
                    shown.TrySetResult();
                }
            }
        });
        return shown.Task;
    }

    /// <summary>Three batches, each acknowledged by the node the phone is connected to; answers the exact score they make.</summary>
    private static async Task<long> SendAsync(HubConnection phone, GameClient.JoinedPlayer player, int strength)
    {
        var ledger = PlayerLedger.Empty;
        for (var seq = 1; seq <= 3; seq++)
        {
            var batch = new MotionBatch
            {
                GameId = player.GameId,
                PlayerId = player.PlayerId,
                Seq = seq,
                Samples = Enumerable.Range(0, 10)
                    .Select(i => new MotionSample { T = seq * 1000 + i * 20, X = MotionScoring.Gravity + 5 * strength, Y = 0, Z = 0 })
                    .ToList(),
            };
            var ack = await phone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch);
            Assert.True(ack.Accepted, ack.Error);
            Assert.Equal(seq, ack.Seq);
            ledger = ScoreLedger.Apply(ledger, batch, counts: true).Ledger;
        }

        Assert.True(ledger.Score > 0);
        return ledger.Score;
    }
}
