using LoadTest.Reporting;

namespace Game.Tests.LoadTest;

public sealed class SteadyCpuTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-12-01T12:00:00Z");

    [Fact]
    public void From_TwoReadings_GivesCoresAndMicrosecondsPerMessageAndSample()
    {
        // 10 s: the server used 10 CPU-seconds (1 core), the tool 5 (half a core), at 5,000 messages/s of 10 samples.
        var cpu = SteadyCpu.From(new CpuReading(T0, 100, 40), new CpuReading(T0.AddSeconds(10), 110, 45), 5000, 50_000);

        Assert.Equal(new SteadyCpu(10, 1, 200, 20, 0.5, 100, 10, 0.5), cpu);
    }

    [Fact]
    public void From_ServerWithoutMetricsOrNothingAchieved_LeavesThoseFiguresOut()
    {
        var noServer = SteadyCpu.From(new CpuReading(T0, null, 40), new CpuReading(T0.AddSeconds(2), null, 41), 100, 1000);
        var nothing = SteadyCpu.From(new CpuReading(T0, 1, 40), new CpuReading(T0.AddSeconds(2), 2, 41), 0, 0);

        Assert.Equal(new SteadyCpu(2, null, null, null, 0.5, 5000, 500, null), noServer);
        Assert.Equal(new SteadyCpu(2, 0.5, null, null, 0.5, null, null, 1), nothing);
        Assert.Null(SteadyCpu.From(new CpuReading(T0, 1, 1), new CpuReading(T0, 2, 2), 100, 1000));
    }
}
