using Game.Tests.Infrastructure;
using LoadTest.Options;
using LoadTest.Reporting;

namespace Game.Tests.LoadTest;

public sealed class LoadToolBaselineTests
{
    [Theory]
    [InlineData(PhoneClient.Raw)]
    [InlineData(PhoneClient.SignalR)]
    public async Task Run_CompareBaseline_RunsTheDoNothingHubThenTheGameAndReportsTheRatio(PhoneClient client)
    {
        await using var server = new ServerProcess(new Dictionary<string, string> { ["Game:CountdownSeconds"] = "1" });
        await server.StartAsync();
        var options = new LoadOptions
        {
            CompareBaseline = true,
            Client = client,
            Phones = 3,
            Hz = 20,
            Duration = TimeSpan.FromSeconds(2),
            RampUp = TimeSpan.FromMilliseconds(300),
        };
        var report = await server.RunLoadToolAsync(options);

        var context = ReportWriter.Summary(report) + "\n" + server.Output;
        Assert.True(report.Outcome == Outcome.Passed, context);
        Assert.Equal("game", report.Mode);
        Assert.True(report.Verification.Passed, context);
        var baseline = Assert.IsType<BaselineComparison>(report.Baseline);
        Assert.True(baseline.BaselineOutcome == Outcome.Passed, context);
        Assert.True(baseline.BaselineAchievedSamplesPerSecond > 0 && baseline.BaselineAckLatency.Count > 0, context);
        Assert.Equal(Math.Round(report.Throughput.AchievedSamplesPerSecond / baseline.BaselineAchievedSamplesPerSecond, 3), baseline.Ratio);
        Assert.Contains("achieved / baseline", ReportWriter.Summary(report));
        // Server CPU per message for both phases, and the ratio real / baseline.
        Assert.True(baseline.BaselineCpu is { ServerMicrosecondsPerMessage: > 0 } && report.Cpu is { ServerMicrosecondsPerMessage: > 0 }, context);
        Assert.Equal(Math.Round(report.Cpu.ServerMicrosecondsPerMessage!.Value / baseline.BaselineCpu.ServerMicrosecondsPerMessage!.Value, 3), baseline.ServerCpuPerMessageRatio);
        Assert.Contains("server cpu real / baseline", ReportWriter.Summary(report));
        // The delay goal's ratio: the real run's send → display p99 over the do-nothing hub's ack p99.
        Assert.Equal(Math.Round(report.EndToEnd.P99Ms / baseline.BaselineAckLatency.P99Ms, 3), baseline.EndToEndP99ToBaselineAckP99);
        Assert.Contains("end-to-end p99 / baseline ack p99", ReportWriter.Summary(report));
        Assert.Contains("## CPU over the steady window", ReportWriter.Markdown(report));
        Assert.Contains("Achieved / baseline", ReportWriter.Markdown(report));
    }
}
