using System.Globalization;
using Game.Server.Storage;
using Game.Tests.Infrastructure;
using Game.Tests.Storage;
using Xunit.Abstractions;

namespace Game.Tests.Persistence;

/// <summary>
/// DynamoDB goes away mid-game and comes back: phones keep being acknowledged (the stream does not need the store),
/// the event source falls behind (IteratorAge grows), and once the store is back every batch counts exactly once.
/// </summary>
public sealed class StoreOutageTests(ITestOutputHelper output)
{
    private const int Players = 10;
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task DynamoDb_KilledMidGameAndRestarted_PhonesStayAcknowledgedIteratorAgeGrowsAndTotalsAreExact()
    {
        await using var dynalite = new DynaliteProcess(persistent: true);
        await dynalite.StartAsync();
        var storeOptions = new DynamoDbStorageOptions { ServiceUrl = dynalite.Url, TablePrefix = $"outage{Guid.NewGuid():N}"[..14] + "_" };
        await using var server = new ServerProcess(new Dictionary<string, string>
        {
            ["Game:CountdownSeconds"] = "0",
            ["Storage:Provider"] = "DynamoDb",
            ["Storage:DynamoDb:ServiceUrl"] = dynalite.Url,
            ["Storage:DynamoDb:TablePrefix"] = storeOptions.TablePrefix,
        });
        await server.StartAsync();
        using var client = new GameClient(server);
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        var game = await client.CreateGameAsync(roundSeconds: 600);
        var players = new List<GameClient.JoinedPlayer>();
        for (var i = 0; i < Players; i++)
        {
            players.Add(await client.JoinAsync(game.GameId, $"phone{i}", i % 2 == 0 ? "red" : "blue"));
        }

        await client.StartAsync(game.GameId);
        await using var phones = new ResendingPhones(players, () => server.BaseUrl, BatchInterval);
        phones.Start();
        await phones.WaitForAcknowledgedAsync(100, Patience);
        var lateBefore = LateIteratorAges(await http.GetStringAsync("/metrics"));

        await dynalite.KillAsync();
        var acknowledgedAtOutage = phones.AcknowledgedCount;

        // The store is down: phones are still acknowledged (the stream is durable on its own) ...
        await phones.WaitForAcknowledgedAsync(acknowledgedAtOutage + 200, Patience);
        // ... and the event source falls behind: batches older than a second show up in IteratorAge.
        var lateDuring = await WaitForAsync(
            async () => LateIteratorAges(await http.GetStringAsync("/metrics")),
            late => late > lateBefore);
        Assert.True(lateDuring > lateBefore, $"IteratorAge did not grow during the outage: {lateBefore} late observations before, {lateDuring} during");
        output.WriteLine($"IteratorAge observations over 1 s: {lateBefore} before, {lateDuring} during the outage; {phones.AcknowledgedCount - acknowledgedAtOutage} batches acknowledged while the store was down");

        await dynalite.StartAsync();
        await phones.WaitForAcknowledgedAsync(phones.AcknowledgedCount + 100, Patience);
        await phones.StopAsync(Patience);
        var expected = phones.ExpectedLedgers();

        var expectedScores = expected.ToDictionary(e => e.Key, e => e.Value.Score);
        var scores = await WaitForAsync(
            async () => (await client.ScoreboardAsync(game.GameId)).Players.ToDictionary(p => p.PlayerId, p => p.Score),
            scores => expectedScores.All(e => scores.GetValueOrDefault(e.Key) == e.Value));
        Assert.Equal(expectedScores.OrderBy(e => e.Key), scores.OrderBy(e => e.Key));

        await using var store = DynamoDbTestStore.Open(storeOptions);
        // All but CountedUntil, which only the server's clock gives (the phones' mirror leaves that rule out).
        var stored = (await store.Games.GetPlayersAsync(game.GameId, CancellationToken.None)).ToDictionary(p => p.Profile.PlayerId, p => p.Ledger with { CountedUntil = 0 });
        Assert.Equal(expected.OrderBy(e => e.Key), stored.OrderBy(e => e.Key));

        // The store's own requests are counted, by operation, beside the functions' metrics.
        var metrics = await http.GetStringAsync("/metrics");
        Assert.True(Sum(metrics, "DynamoDbRequests_total{", "operation=\"UpdateItem\"") > 0, metrics);
        Assert.True(Sum(metrics, "DynamoDbRequests_total{", "operation=\"BatchGetItem\"") > 0, metrics);
    }

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds or the deadline passes; answers the last value read.</summary>
    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow >= deadline)
            {
                return value;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>How many IteratorAge observations (all shards) were over 1,000 ms: the histogram's count minus its 1,000 ms bucket.</summary>
    private static double LateIteratorAges(string metrics) =>
        Sum(metrics, "IteratorAge_milliseconds_count{", "") - Sum(metrics, "IteratorAge_milliseconds_bucket{", "le=\"1000\"");

    /// <summary>The sum of the values of the Prometheus series whose line starts with <paramref name="prefix"/> and contains <paramref name="label"/>.</summary>
    private static double Sum(string metrics, string prefix, string label) =>
        metrics.Split('\n')
            .Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
