using LoadTest.Reporting;

namespace Game.Tests.LoadTest;

public sealed class ServerSeriesTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-12-02T02:00:00Z");

    private const double MiB = 1024 * 1024;

    [Fact]
    public void From_ReadingsEverySecond_GivesARowPerIntervalAndTheLast()
    {
        // 0.5 CPU seconds a second; the heap grows 1 MiB a second; a gen2 collection every 10 s.
        var readings = Enumerable.Range(0, 131)
            .Select(s => new ServerReading(T0.AddSeconds(s), 0.5 * s, 200 * MiB, (10 + s) * MiB, s, Gen0Collections: s, Gen1Collections: s / 2, Gen2Collections: s / 10, ThreadPoolThreads: 8))
            .ToList();

        var series = ServerSeries.From(readings, TimeSpan.FromMinutes(1));

        Assert.Equal([0, 60, 120, 130], series.Select(p => p.ElapsedSeconds));
        Assert.Equal([null, 0.5, 0.5, 0.5], series.Select(p => p.CpuCores));
        Assert.Equal([10, 70, 130, 140], series.Select(p => p.ManagedHeapMiB));
        Assert.Equal(new ServerSeriesPoint(130, 0.5, 200, 140, 130, 65, 13, 8), series[^1]);
    }

    [Fact]
    public void From_ALateReading_TakesItWithoutShiftingLaterRows()
    {
        // Readings at 0, 65 (the one for 60 came late), 121 and 125 s: rows at 0, 65 and 121, then the last.
        var readings = new[] { 0, 65, 121, 125 }.Select(s => new ServerReading(T0.AddSeconds(s), s, 100 * MiB)).ToList();

        var series = ServerSeries.From(readings, TimeSpan.FromMinutes(1));

        Assert.Equal([0, 65, 121, 125], series.Select(p => p.ElapsedSeconds));
        Assert.All(series, p => Assert.Null(p.ManagedHeapMiB));
    }

    [Fact]
    public void From_NoReadings_IsEmpty() => Assert.Empty(ServerSeries.From([], TimeSpan.FromMinutes(1)));
}
