using LoadTest;
using LoadTest.Reporting;

namespace Game.Tests.LoadTest;

public sealed class FindMaxTests
{
    private static LoadReport Report(double offered, double achieved, double p99, Outcome outcome = Outcome.Passed, double rampUpP99 = 0) => new()
    {
        Mode = "game",
        Url = "http://127.0.0.1:5000/",
        StartedAt = DateTimeOffset.UnixEpoch,
        ElapsedSeconds = 10,
        Phones = 100,
        Presenters = 1,
        Hz = 50,
        SendIntervalMs = 200,
        SamplesPerBatch = 10,
        DurationSeconds = 10,
        RampUpSeconds = 2,
        Seed = 1,
        Throughput = new Throughput(offered / 10, offered, achieved / 10, achieved, 10, 1000, 1000, 10_000),
        AckLatency = new LatencySummary(1000, 1, 2, 3, 4),
        EndToEnd = new LatencySummary(1000, p99 / 2, p99 / 1.5, p99, p99 * 2),
        RampUp = new WindowLatencySummary(
            new LatencySummary(100, 1, 2, 3, 4),
            rampUpP99 > 0 ? new LatencySummary(100, rampUpP99 / 2, rampUpP99 / 1.5, rampUpP99, rampUpP99 * 2) : new LatencySummary(0, 0, 0, 0, 0),
            new LatencySummary(0, 0, 0, 0, 0),
            new LatencySummary(0, 0, 0, 0, 0)),
        Frames = 100,
        FramesWithApplied = 100,
        Errors = new Dictionary<string, long>(),
        ErrorCount = 0,
        ErrorRate = 0,
        MaxErrorRate = 0.01,
        Reconnects = 0,
        Verification = new Verification(true, outcome == Outcome.Passed, 100, 0, 0, 0, 0, 0, 1, 1, 10),
        Players = [],
        Outcome = outcome,
        Failures = outcome == Outcome.Passed ? [] : ["scores differ"],
        Notes = [],
    };

    [Fact]
    public void Judge_FullRateWithinTheDelayTarget_Holds()
    {
        var step = FindMax.Judge(100, Report(5000, 4990, 120), TimeSpan.FromMilliseconds(150));

        Assert.True(step.Held);
        Assert.Equal("held", step.Why);
    }

    [Fact]
    public void Judge_SlowRampUpButSteadyWithinTheTarget_HoldsAndShowsTheRampUpApart()
    {
        // The step: p99 266 ms over the whole run, but the first seconds (a fresh round) made it so.
        var step = FindMax.Judge(300, Report(15_000, 15_000, 111, rampUpP99: 360), TimeSpan.FromMilliseconds(150));

        Assert.True(step.Held, step.Why);
        Assert.Equal(111, step.EndToEndP99Ms);
        Assert.Equal(360, step.RampUpEndToEndP99Ms);
        Assert.Contains("| 300 | 15,000 | 15,000 | 111.0 ms | yes | held | 360.0 ms |", FindMax.Table([step], step));
    }

    [Theory]
    [InlineData(5000, 4000, 120, Outcome.Passed, "achieved 4,000 of 5,000 samples/s")]
    [InlineData(5000, 5000, 151, Outcome.Passed, "p99 151 ms over 150 ms")]
    [InlineData(5000, 5000, 100, Outcome.Failed, "run failed: scores differ")]
    public void Judge_BrokenStep_DoesNotHoldAndSaysWhy(double offered, double achieved, double p99, Outcome outcome, string why)
    {
        var step = FindMax.Judge(100, Report(offered, achieved, p99, outcome), TimeSpan.FromMilliseconds(150));

        Assert.False(step.Held);
        Assert.Equal(why, step.Why);
    }

    [Fact]
    public void Table_Steps_NamesTheHighestThatHeld()
    {
        var held = FindMax.Judge(100, Report(5000, 5000, 90), TimeSpan.FromMilliseconds(150));
        var broke = FindMax.Judge(150, Report(7500, 6000, 300), TimeSpan.FromMilliseconds(150));

        var table = FindMax.Table([held, broke], held);

        Assert.Contains("| 150 | 7,500 | 6,000 | 300.0 ms | yes |", table);
        Assert.Contains("| end-to-end p99 (steady) |", table);
        Assert.EndsWith("Highest sustainable: 100 phones, 5,000 samples/s with end-to-end p99 90.0 ms.", table);
    }
}
