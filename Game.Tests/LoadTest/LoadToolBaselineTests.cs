using Game.Tests.Infrastructure;
using LoadTest;
using LoadTest.Options;
using LoadTest.Reporting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Game.Tests.LoadTest;

public sealed class LoadToolBaselineTests
{
    [Fact]
    public async Task Run_CompareBaseline_RunsTheDoNothingHubThenTheGameAndReportsTheRatio()
    {
        await using var server = new ServerProcess(new Dictionary<string, string> { ["Game:CountdownSeconds"] = "1" });
        await server.StartAsync();
        var options = new LoadOptions
        {
            Url = new Uri(server.BaseUrl),
            PresenterKey = ServerProcess.TestPresenterKey,
            CompareBaseline = true,
            Phones = 3,
            Hz = 20,
            Duration = TimeSpan.FromSeconds(2),
            RampUp = TimeSpan.FromMilliseconds(300),
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var report = await new LoadRunner(options, TimeProvider.System, NullLogger<LoadRunner>.Instance).RunAsync(timeout.Token);

        var context = ReportWriter.Summary(report) + "\n" + server.Output;
        Assert.True(report.Outcome == Outcome.Passed, context);
        Assert.Equal("game", report.Mode);
        Assert.True(report.Verification.Passed, context);
        var baseline = Assert.IsType<BaselineComparison>(report.Baseline);
        Assert.Equal(Outcome.Passed, baseline.BaselineOutcome);
        Assert.True(baseline.BaselineAchievedSamplesPerSecond > 0 && baseline.BaselineAckLatency.Count > 0, context);
        Assert.Equal(Math.Round(report.Throughput.AchievedSamplesPerSecond / baseline.BaselineAchievedSamplesPerSecond, 3), baseline.Ratio);
        Assert.Contains("achieved / baseline", ReportWriter.Summary(report));
        Assert.Contains("Achieved / baseline", ReportWriter.Markdown(report));
    }
}
