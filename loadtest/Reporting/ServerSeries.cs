namespace LoadTest.Reporting;

/// <summary>
/// One row of the server's resources over a long run: where it stood at <c>ElapsedSeconds</c> after sending began,
/// and its CPU over the time since the row before. A flat series (heap, working set, threads) is what a soak proves.
/// </summary>
/// <remarks>
/// <c>CpuCores</c> is null in the first row (no interval before it). The managed heap is as the last GC before the
/// reading left it; collections are counted since the server started, per generation. Null where the server's
/// <c>/metrics</c> does not export the figure.
/// </remarks>
public sealed record ServerSeriesPoint(
    double ElapsedSeconds,
    double? CpuCores,
    double WorkingSetMiB,
    double? ManagedHeapMiB,
    double? Gen0Collections,
    double? Gen1Collections,
    double? Gen2Collections,
    double? ThreadPoolThreads);

/// <summary>Turns the run's once-a-second readings of <c>/metrics</c> into a row every so often (<c>--series-every</c>).</summary>
public static class ServerSeries
{
    private const double MiB = 1024 * 1024;

    /// <summary>
    /// The first reading, then the first reading at or after each multiple of <paramref name="every"/> since it, and
    /// the last reading (so the series ends where sending ended). Empty without readings.
    /// </summary>
    public static IReadOnlyList<ServerSeriesPoint> From(IReadOnlyList<ServerReading> readings, TimeSpan every)
    {
        if (readings.Count == 0 || every <= TimeSpan.Zero)
        {
            return [];
        }

        var first = readings[0];
        var picked = new List<ServerReading> { first };
        var next = first.At + every;
        foreach (var reading in readings.Skip(1))
        {
            if (reading.At >= next)
            {
                picked.Add(reading);
                // Whole steps from the first reading, so a late reading does not shift every later row.
                while (next <= reading.At)
                {
                    next += every;
                }
            }
        }

        if (!ReferenceEquals(picked[^1], readings[^1]))
        {
            picked.Add(readings[^1]);
        }

        return picked.Select((reading, i) => Point(first, i == 0 ? null : picked[i - 1], reading)).ToList();
    }

    private static ServerSeriesPoint Point(ServerReading first, ServerReading? previous, ServerReading reading)
    {
        var seconds = previous is null ? 0 : (reading.At - previous.At).TotalSeconds;
        return new ServerSeriesPoint(
            Math.Round((reading.At - first.At).TotalSeconds, 1),
            previous is not null && seconds > 0 ? Math.Round((reading.CpuSeconds - previous.CpuSeconds) / seconds, 3) : null,
            Math.Round(reading.WorkingSetBytes / MiB, 1),
            reading.ManagedHeapBytes is { } heap ? Math.Round(heap / MiB, 1) : null,
            reading.Gen0Collections,
            reading.Gen1Collections,
            reading.Gen2Collections,
            reading.ThreadPoolThreads);
    }
}
