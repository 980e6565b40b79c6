using LoadTest.Options;
using LoadTest.Reporting;

namespace Game.Tests.LoadTest;

/// <summary>The load tool against a cluster: <c>--url</c> per node, <c>--redis</c>, and what the report makes of them.</summary>
public sealed class ClusterLoadOptionsTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-12-02T02:00:00Z");

    [Fact]
    public void Parse_UrlThreeTimes_PhonesRoundRobinAndTheFirstRunsTheApi()
    {
        var options = LoadOptionsParser.Parse(
            ["--presenter-key", "k", "--url", "http://127.0.0.1:5001", "--url=http://127.0.0.1:5002", "--url", "http://127.0.0.1:5003", "--redis", "127.0.0.1:6379"],
            _ => null);

        Assert.Equal(new Uri("http://127.0.0.1:5001"), options.Url);
        Assert.Equal(["http://127.0.0.1:5001/", "http://127.0.0.1:5002/", "http://127.0.0.1:5003/"], options.Urls.Select(u => u.ToString()));
        Assert.Equal(
            [5001, 5002, 5003, 5001, 5002, 5003, 5001],
            Enumerable.Range(0, 7).Select(i => options.PhoneUrl(i).Port));
        Assert.Equal("127.0.0.1:6379", options.Redis);
    }

    [Fact]
    public void Parse_OneUrl_EveryPhoneOnIt()
    {
        var options = LoadOptionsParser.Parse(["--presenter-key", "k", "--url", "http://127.0.0.1:8080"], _ => null);

        Assert.Equal(new Uri("http://127.0.0.1:8080"), options.Url);
        Assert.All(Enumerable.Range(0, 5), i => Assert.Equal(options.Url, options.PhoneUrl(i)));
        Assert.Null(options.Redis);
    }

    [Fact]
    public void RedisReading_InfoStatsAndCommandstats_RatesOverTheWindow()
    {
        const string start = "# Stats\r\ntotal_connections_received:12\r\ntotal_commands_processed:1000\r\ninstantaneous_ops_per_sec:3\r\n" +
            "total_net_input_bytes:2048\r\ntotal_net_output_bytes:4096\r\n\r\n# Commandstats\r\n" +
            "cmdstat_hset:calls=10,usec=40,usec_per_call=4.00,rejected_calls=0,failed_calls=0\r\n" +
            "cmdstat_publish:calls=400,usec=800,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r\n";
        const string end = "# Stats\r\ntotal_commands_processed:3000\r\ntotal_net_input_bytes:12288\r\ntotal_net_output_bytes:24576\r\n\r\n# Commandstats\r\n" +
            "cmdstat_publish:calls=1900,usec=3800,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r\n";

        var rates = RedisReading.Between("127.0.0.1:6379", RedisReading.Parse(start, T0), RedisReading.Parse(end, T0.AddSeconds(10)));

        Assert.Equal(new RedisRates("127.0.0.1:6379", 10, 200, 150, 1, 2), rates);
    }

    [Fact]
    public void ClusterResources_ThreeNodes_SumsCoresAndCostsPerSample()
    {
        var nodes = new[] { 0.5, 0.25, 0.75 }
            .Select((cores, i) => new NodeResources($"http://127.0.0.1:500{i}/", new ServerResources(cores, 100, 110, 120)))
            .ToList();

        var cluster = ClusterResources.From(nodes, samplesPerSecond: 10_000);

        Assert.Equal(1.5, cluster.TotalCores);
        Assert.Equal(150, cluster.MicrosecondsPerSample);
        Assert.Null(ClusterResources.From([.. nodes, new NodeResources("http://127.0.0.1:5004/", null)], 10_000).TotalCores);
    }
}
