using System.Globalization;

namespace LoadTest.Reporting;

/// <summary>One stage of send → display as the server measures it, over the steady window (estimated from histogram buckets).</summary>
/// <param name="Name">The server's histogram: IteratorAge, Duration (the score function), FrameWait, FrameSend, TickTurn.</param>
/// <param name="Per">What one observation is.</param>
/// <param name="Count">Observations in the window (per invocation, per frame or per tick; never per record).</param>
/// <param name="P50">Milliseconds, interpolated within its bucket.</param>
/// <param name="P99">Milliseconds, interpolated within its bucket (the last finite bound when beyond it).</param>
public sealed record StageLatency(string Name, string Per, long Count, double P50, double P99);

/// <summary>
/// The server's stage histograms (<c>/metrics</c>, Prometheus text): the function's IteratorAge and Duration and the
/// game grain's FrameWait, FrameSend and TickTurn. Each reading keeps the cumulative bucket counts; the stages over
/// the steady window are the difference between the first reading after the ramp-up and the last one.
/// </summary>
public static class ServerStages
{
    /// <summary>The histograms read, in the order a score change meets them, with what one observation is.</summary>
    public static readonly IReadOnlyList<(string Name, string Per)> Known =
    [
        ("IteratorAge", "invocation: its last record's age (append → function invoked)"),
        ("Duration", "invocation: the score function (decode, ledger write, grain calls)"),
        ("FrameWait", "frame: its oldest score change's wait in the game grain"),
        ("FrameSend", "frame: built → written to the displays"),
        ("TickTurn", "tick: the game grain's turn (frame, standings)"),
    ];

    /// <summary>Cumulative bucket counts by histogram name and upper bound (summed over tags); empty when none is exported.</summary>
    public static IReadOnlyDictionary<string, SortedDictionary<double, double>> Parse(string prometheusText)
    {
        var stages = new Dictionary<string, SortedDictionary<double, double>>(StringComparer.Ordinal);
        foreach (var line in prometheusText.Split('\n'))
        {
            // IteratorAge_milliseconds_bucket{...,le="50"} 435
            var name = Known.FirstOrDefault(k => line.StartsWith(k.Name + "_milliseconds_bucket{", StringComparison.Ordinal)).Name;
            var le = line.IndexOf("le=\"", StringComparison.Ordinal);
            if (name is null || le < 0)
            {
                continue;
            }

            var boundText = line[(le + 4)..line.IndexOf('"', le + 4)];
            var bound = boundText == "+Inf" ? double.PositiveInfinity : double.Parse(boundText, NumberStyles.Float, CultureInfo.InvariantCulture);
            var count = double.Parse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
            var buckets = stages.TryGetValue(name, out var known) ? known : stages[name] = [];
            buckets[bound] = buckets.GetValueOrDefault(bound) + count;
        }

        return stages;
    }

    /// <summary>
    /// The stages between the first reading at least <paramref name="rampUp"/> after the first one (sending began) and
    /// the last; p50 and p99 interpolated within their bucket. Null with fewer than two readings or no stage histograms.
    /// </summary>
    public static IReadOnlyList<StageLatency>? From(IReadOnlyList<ServerReading> readings, TimeSpan rampUp)
    {
        if (readings.Count < 2 || readings[^1].Stages is not { Count: > 0 } end)
        {
            return null;
        }

        var start = readings.FirstOrDefault(r => r.At >= readings[0].At + rampUp) ?? readings[0];
        var stages = new List<StageLatency>();
        foreach (var (name, per) in Known)
        {
            if (!end.TryGetValue(name, out var last))
            {
                continue;
            }

            var first = start.Stages?.GetValueOrDefault(name);
            var window = last.Select(b => (Bound: b.Key, Count: b.Value - (first?.GetValueOrDefault(b.Key) ?? 0))).ToList();
            var total = window[^1].Count;
            if (total > 0)
            {
                stages.Add(new StageLatency(name, per, (long)total, Percentile(window, total, 0.50), Percentile(window, total, 0.99)));
            }
        }

        return stages;
    }

    private static double Percentile(List<(double Bound, double Count)> cumulative, double total, double quantile)
    {
        var target = quantile * total;
        var (lower, below) = (0.0, 0.0);
        foreach (var (bound, count) in cumulative)
        {
            if (count >= target)
            {
                // Beyond the last finite bound nothing says where: answer that bound.
                return double.IsPositiveInfinity(bound) ? lower : Math.Round(lower + ((bound - lower) * (target - below) / Math.Max(count - below, 1e-9)), 1);
            }

            (lower, below) = (bound, count);
        }

        return lower;
    }
}
