using System.Diagnostics;
using System.Globalization;
using Game.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Game.Tests.Persistence;

/// <summary>
/// How many DynamoDB requests a steady phone load costs: the real server on dynalite, phones at a fixed rate, and
/// the server's own <c>DynamoDbRequests</c> counter read from <c>/metrics</c> at the start and the end of a window.
/// The figures go to docs/performance.md.
/// </summary>
public sealed class DynamoDbRequestRateBenchmark(ITestOutputHelper output)
{
    private const int Phones = 50;
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [BenchmarkFact]
    public async Task DynamoDbRequests_FiftyPhonesAtTenBatchesPerSecond_RatePerRecordReported()
    {
        await using var dynalite = new DynaliteProcess(persistent: false);
        await dynalite.StartAsync();
        await using var server = new ServerProcess(new Dictionary<string, string>
        {
            ["Game:CountdownSeconds"] = "0",
            ["Storage:Provider"] = "DynamoDb",
            ["Storage:DynamoDb:ServiceUrl"] = dynalite.Url,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await server.StartAsync();
        using var client = new GameClient(server);
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        var game = await client.CreateGameAsync(roundSeconds: 600);
        var players = new List<GameClient.JoinedPlayer>();
        for (var i = 0; i < Phones; i++)
        {
            players.Add(await client.JoinAsync(game.GameId, $"phone{i}", i % 2 == 0 ? "red" : "blue"));
        }

        await client.StartAsync(game.GameId);
        await using var phones = new ResendingPhones(players, () => server.BaseUrl, BatchInterval);
        phones.Start();

        // The window is the measurement itself, so it is a fixed time, after a warm-up that fills the pipeline.
        await Task.Delay(WarmUp);
        var (ackedBefore, requestsBefore) = (phones.AcknowledgedCount, Requests(await http.GetStringAsync("/metrics")));
        var clock = Stopwatch.StartNew();
        await Task.Delay(Window);
        var (ackedAfter, requestsAfter) = (phones.AcknowledgedCount, Requests(await http.GetStringAsync("/metrics")));
        var seconds = clock.Elapsed.TotalSeconds;
        await phones.StopAsync(Patience);

        var records = (ackedAfter - ackedBefore) / seconds;
        var total = requestsAfter.Values.Sum() - requestsBefore.Values.Sum();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"window {seconds:0.0} s, {Phones} phones every {BatchInterval.TotalMilliseconds:0} ms"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"records (acknowledged batches): {records:0.0}/s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DynamoDB requests: {total / seconds:0.0}/s, {total / (ackedAfter - ackedBefore):0.000} per record"));
        foreach (var (operation, count) in requestsAfter.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {operation}: {(count - requestsBefore.GetValueOrDefault(operation)) / seconds:0.0}/s"));
        }

        Assert.True(records > 0 && total > 0, $"{records} records/s, {total} requests");

        // The figure is only worth quoting if the load was scored exactly.
        var expected = phones.ExpectedLedgers().ToDictionary(e => e.Key, e => e.Value.Score);
        var deadline = DateTime.UtcNow + Patience;
        Dictionary<string, long> scores;
        do
        {
            scores = (await client.ScoreboardAsync(game.GameId)).Players.ToDictionary(p => p.PlayerId, p => p.Score);
        }
        while (!expected.All(e => scores.GetValueOrDefault(e.Key) == e.Value) && DateTime.UtcNow < deadline && await Delay());
        Assert.Equal(expected.OrderBy(e => e.Key), scores.OrderBy(e => e.Key));

        static async Task<bool> Delay()
        {
            await Task.Delay(200);
            return true;
        }
    }

    /// <summary><c>DynamoDbRequests_total</c> by operation, summed over any other labels.</summary>
    private static Dictionary<string, double> Requests(string metrics) =>
        metrics.Split('\n')
            .Where(l => l.StartsWith("DynamoDbRequests_total{", StringComparison.Ordinal))
            .GroupBy(l => l.Split("operation=\"")[1].Split('"')[0])
            .ToDictionary(g => g.Key, g => g.Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)));
}
