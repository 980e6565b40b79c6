using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace LoadTest.Reporting;

/// <summary>One node's CPU and memory while phones sent, from its own <c>/metrics</c> (each <c>--url</c> is a node).</summary>
public sealed record NodeResources(string Url, ServerResources? Resources);

/// <summary>
/// The nodes of a cluster run together: each node's resources, and all nodes' CPU over the achieved samples, the
/// figure to compare with one node's µs per sample.
/// </summary>
public sealed record ClusterResources(IReadOnlyList<NodeResources> Nodes, double? TotalCores, double? MicrosecondsPerSample)
{
    public static ClusterResources From(IReadOnlyList<NodeResources> nodes, double samplesPerSecond)
    {
        double? total = nodes.All(n => n.Resources is not null) ? Math.Round(nodes.Sum(n => n.Resources!.CpuCoresUsed), 2) : null;
        return new ClusterResources(nodes, total, total is { } t && samplesPerSecond > 0 ? Math.Round(t * 1e6 / samplesPerSecond, 2) : null);
    }
}

/// <summary>
/// Redis' own counters over the full-load window (<c>INFO stats commandstats</c>): every command, and the
/// <c>PUBLISH</c> calls, which are the SignalR backplane's messages (membership writes are a handful per second).
/// </summary>
public sealed record RedisRates(string Address, double Seconds, double CommandsPerSecond, double PublishesPerSecond, double NetInputKiBPerSecond, double NetOutputKiBPerSecond);

/// <summary>One reading of Redis' counters.</summary>
public sealed record RedisReading(DateTimeOffset At, long Commands, long Publishes, long NetInputBytes, long NetOutputBytes)
{
    /// <summary>Reads the counters with one <c>INFO stats commandstats</c> over a plain socket (RESP; no client library needed for one command).</summary>
    public static async Task<RedisReading> ReadAsync(string address, TimeProvider time, CancellationToken cancellationToken)
    {
        var (host, port) = address.LastIndexOf(':') is var colon and > 0
            ? (address[..colon], int.Parse(address[(colon + 1)..], CultureInfo.InvariantCulture))
            : (address, 6379);
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, cancellationToken);
        await using var stream = client.GetStream();
        await stream.WriteAsync("*3\r\n$4\r\nINFO\r\n$5\r\nstats\r\n$12\r\ncommandstats\r\n"u8.ToArray(), cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var header = await reader.ReadLineAsync(cancellationToken) ?? "";
        if (!header.StartsWith('$'))
        {
            throw new InvalidOperationException($"Redis at {address} answered INFO with '{header}'.");
        }

        var length = int.Parse(header[1..], CultureInfo.InvariantCulture);
        var body = new char[length];
        var read = 0;
        while (read < length)
        {
            // The bulk string is ASCII, so characters and bytes agree.
            var n = await reader.ReadAsync(body.AsMemory(read, length - read), cancellationToken);
            read += n > 0 ? n : throw new EndOfStreamException("Redis closed the connection mid-answer.");
        }

        return Parse(new string(body), time.GetUtcNow());
    }

    /// <summary>The counters from INFO's text: <c>total_commands_processed</c>, <c>cmdstat_publish:calls</c>, <c>total_net_*_bytes</c>.</summary>
    public static RedisReading Parse(string info, DateTimeOffset at)
    {
        long commands = 0, publishes = 0, input = 0, output = 0;
        foreach (var raw in info.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("total_commands_processed:", StringComparison.Ordinal))
            {
                commands = Number(line[(line.IndexOf(':') + 1)..]);
            }
            else if (line.StartsWith("total_net_input_bytes:", StringComparison.Ordinal))
            {
                input = Number(line[(line.IndexOf(':') + 1)..]);
            }
            else if (line.StartsWith("total_net_output_bytes:", StringComparison.Ordinal))
            {
                output = Number(line[(line.IndexOf(':') + 1)..]);
            }
            else if (line.StartsWith("cmdstat_publish:calls=", StringComparison.Ordinal))
            {
                var calls = line["cmdstat_publish:calls=".Length..];
                publishes = Number(calls[..(calls.IndexOf(',') is var comma and >= 0 ? comma : calls.Length)]);
            }
        }

        return new RedisReading(at, commands, publishes, input, output);
    }

    /// <summary>Rates between two readings; null when no time passed.</summary>
    public static RedisRates? Between(string address, RedisReading start, RedisReading end)
    {
        var seconds = (end.At - start.At).TotalSeconds;
        return seconds > 0
            ? new RedisRates(
                address,
                Math.Round(seconds, 2),
                Math.Round((end.Commands - start.Commands) / seconds, 1),
                Math.Round((end.Publishes - start.Publishes) / seconds, 1),
                Math.Round((end.NetInputBytes - start.NetInputBytes) / 1024.0 / seconds, 1),
                Math.Round((end.NetOutputBytes - start.NetOutputBytes) / 1024.0 / seconds, 1))
            : null;
    }

    private static long Number(string text) => long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
}
