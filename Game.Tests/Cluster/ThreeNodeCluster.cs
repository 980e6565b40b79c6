using System.Net.Http.Json;
using Game.Tests.Infrastructure;
using Game.Tests.Storage;
using StackExchange.Redis;

namespace Game.Tests.Cluster;

/// <summary>
/// What ./scripts/cluster starts, for one test: a Redis of its own (membership and backplane; restartable),
/// kinesalite (the stream), the suite's dynalite (the store, under a table prefix of its own), three server
/// processes and HAProxy in front with the repository's configuration. Everything on loopback; disposing stops
/// every process it started.
/// </summary>
public sealed class ThreeNodeCluster : IAsyncDisposable
{
    public const string PlayerTokenKey = "cluster-failover-player-token-key-0123456789";

    /// <summary>One shard per node, so each node reads one and a dead node's shard must be taken over.</summary>
    public const int Shards = 3;

    private ThreeNodeCluster(string clusterId)
    {
        ClusterId = clusterId;
    }

    public string ClusterId { get; }

    public RedisProcess Redis { get; } = new();

    public KinesaliteProcess Kinesalite { get; } = new();

    public List<ServerProcess> Nodes { get; } = [];

    public LoadBalancerProcess Balancer { get; } = new();

    /// <summary>The one URL phones, displays and the presenter use.</summary>
    public string Url => Balancer.BaseUrl;

    public static async Task<ThreeNodeCluster> StartAsync()
    {
        var cluster = new ThreeNodeCluster("failover-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await Task.WhenAll(cluster.Redis.StartAsync(), cluster.Kinesalite.StartAsync());
            var store = DynamoDbTestStore.UniqueOptions();
            var settings = new Dictionary<string, string>
            {
                ["Orleans:Clustering:ProviderType"] = "Redis",
                ["Orleans:Clustering:ServiceKey"] = "redis",
                ["ConnectionStrings:redis"] = cluster.Redis.Address,
                ["Orleans:ClusterId"] = cluster.ClusterId,
                ["Storage:Provider"] = "DynamoDb",
                ["Storage:DynamoDb:ServiceUrl"] = store.ServiceUrl!,
                ["Storage:DynamoDb:TablePrefix"] = store.TablePrefix,
                ["Ingest:Provider"] = "Kinesis",
                ["Ingest:StreamName"] = "motion-" + cluster.ClusterId,
                ["Ingest:ShardCount"] = Shards.ToString(),
                ["Ingest:Kinesis:ServiceUrl"] = cluster.Kinesalite.Url,
                ["Ingest:Kinesis:AccessKeyId"] = "AKIDKINESALITE",
                ["Ingest:Kinesis:SecretAccessKey"] = "kinesalite-secret",
                ["Game:PlayerTokenKey"] = PlayerTokenKey,
                ["Game:CountdownSeconds"] = "0",
            };
            foreach (var (key, value) in LoadBalancerProcess.NodeSettings)
            {
                settings[key] = value;
            }

            for (var i = 0; i < 3; i++)
            {
                cluster.Nodes.Add(new ServerProcess(settings));
            }

            // One after the other: the first creates the tables and the stream, the others join a cluster with a member.
            foreach (var node in cluster.Nodes)
            {
                await node.StartAsync();
            }

            await cluster.Balancer.StartAsync(cluster.Nodes);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The nodes Orleans' membership table in Redis lists as active (status 3).</summary>
    public async Task<int> ActiveMembersAsync()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.Address);
        var rows = await redis.GetDatabase().HashGetAllAsync($"game/members/{ClusterId}");
        return rows.Count(row => row.Value.ToString().Contains("\"Status\":3", StringComparison.Ordinal));
    }

    /// <summary>A running game created through the one URL, with players who joined on <paramref name="joinOn"/> directly.</summary>
    public async Task<(string GameId, List<GameClient.JoinedPlayer> Players)> StartGameAsync(ServerProcess joinOn, int players)
    {
        using var balancer = Balancer.CreatePresenterClient();
        var created = (await (await balancer.PostAsJsonAsync("/api/games", new { roundSeconds = 600 })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<GameClient.CreatedGame>())!;
        using var node = new GameClient(joinOn);
        var joined = new List<GameClient.JoinedPlayer>();
        for (var i = 0; i < players; i++)
        {
            joined.Add(await node.JoinAsync(created.GameId, $"phone{i}", i % 2 == 0 ? "red" : "blue"));
        }

        (await balancer.PostAsync($"/api/games/{created.GameId}/start", null)).EnsureSuccessStatusCode();
        return (created.GameId, joined);
    }

    /// <summary>Every player's score on the scoreboard, read through the one URL.</summary>
    public async Task<Dictionary<string, long>> ScoresAsync(string gameId)
    {
        using var http = Balancer.CreatePresenterClient();
        var scoreboard = (await http.GetFromJsonAsync<GameClient.Scoreboard>($"/api/games/{gameId}/scoreboard"))!;
        return scoreboard.Players.ToDictionary(p => p.PlayerId, p => p.Score);
    }

    /// <summary>The scoreboard's leader (first player), read through the one URL.</summary>
    public async Task<string> LeaderAsync(string gameId)
    {
        using var http = Balancer.CreatePresenterClient();
        return (await http.GetFromJsonAsync<GameClient.Scoreboard>($"/api/games/{gameId}/scoreboard"))!.Players[0].PlayerId;
    }

    /// <summary>What every process printed, for a failure message.</summary>
    public string Output =>
        string.Join("\n", Nodes.Select((n, i) => $"--- node{i + 1}\n{Tail(n.Output)}")) + $"\n--- haproxy\n{Tail(Balancer.Output)}\n--- redis\n{Tail(Redis.Output)}";

    public async ValueTask DisposeAsync()
    {
        await Balancer.DisposeAsync();
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        await Kinesalite.DisposeAsync();
        await Redis.DisposeAsync();
    }

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;
}
