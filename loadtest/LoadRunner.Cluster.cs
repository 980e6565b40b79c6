using System.Collections.Concurrent;
using LoadTest.Reporting;
using Microsoft.Extensions.Logging;

namespace LoadTest;

/// <summary>A run against several nodes (<c>--url</c> given more than once) and their Redis (<c>--redis</c>).</summary>
public sealed partial class LoadRunner
{
    // One client per node for the life of the tool (a client per reading would use up sockets).
    private static readonly ConcurrentDictionary<Uri, HttpClient> s_nodeClients = new();

    /// <summary>Each node's <c>/metrics</c> once a second while phones send, and Redis' counters at the start and end.</summary>
    private sealed class ClusterWatch(IReadOnlyList<Uri> nodes, List<ServerReading>[] readings, Task[] samplers, string? redis, RedisReading? redisStart, Func<Task<RedisReading?>> readRedis)
    {
        public RedisRates? RedisRates { get; private set; }

        public async Task StopAsync()
        {
            await Task.WhenAll(samplers);
            if (redis is not null && redisStart is not null && await readRedis() is { } end)
            {
                RedisRates = RedisReading.Between(redis, redisStart, end);
            }
        }

        /// <summary>Per node, and all nodes over the achieved samples; null with a single URL (the report's server line is that node).</summary>
        public ClusterResources? Resources(double samplesPerSecond) => nodes.Count > 1
            ? ClusterResources.From(nodes.Select((n, i) => new NodeResources(n.ToString(), ServerReading.Summarize(readings[i]))).ToList(), samplesPerSecond)
            : null;
    }

    private static HttpClient NodeClient(Uri url) =>
        s_nodeClients.GetOrAdd(url, u => new HttpClient { BaseAddress = u, Timeout = TimeSpan.FromSeconds(30) });

    private async Task<ClusterWatch> WatchClusterAsync(CancellationToken cancellationToken)
    {
        var nodes = options.Urls.Count > 1 ? options.Urls : [];
        var readings = nodes.Select(_ => new List<ServerReading>()).ToArray();
        var samplers = nodes.Select((node, i) => SampleServerAsync(NodeClient(node), readings[i], cancellationToken)).ToArray();
        var redisStart = await ReadRedisAsync();
        return new ClusterWatch(nodes, readings, samplers, options.Redis, redisStart, ReadRedisAsync);
    }

    private async Task<RedisReading?> ReadRedisAsync()
    {
        if (options.Redis is not { } address)
        {
            return null;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            return await RedisReading.ReadAsync(address, time, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or InvalidOperationException)
        {
            // An unreachable Redis leaves the report without its rates, not the run failed.
            LogRedisUnread(logger, address, ex.Message);
            return null;
        }
    }

    /// <summary>The server's CPU seconds so far: with several nodes, all of them together (each node's own /metrics).</summary>
    private async Task<double?> ServerCpuSecondsAsync(HttpClient http, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (options.Urls.Count <= 1)
        {
            return ServerReading.Parse(await http.GetStringAsync("/metrics", cancellationToken), at)?.CpuSeconds;
        }

        var nodes = await Task.WhenAll(options.Urls.Select(async node =>
            ServerReading.Parse(await NodeClient(node).GetStringAsync("/metrics", cancellationToken), at)?.CpuSeconds));
        return nodes.All(n => n is not null) ? nodes.Sum() : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read Redis at {Address} ({Reason}); the report has no Redis rates")]
    private static partial void LogRedisUnread(ILogger logger, string address, string reason);
}
