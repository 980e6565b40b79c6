using Game.Tests.Infrastructure;
using LoadTest.Options;
using LoadTest.Reporting;

namespace Game.Tests.LoadTest;

/// <summary>The load tool's runner, in-process, against the real server: a short run must verify exactly.</summary>
public sealed class LoadToolSmokeTests
{
    /// <summary>Both phone clients speak the same frames: either must verify exactly.</summary>
    [Theory]
    [InlineData(PhoneClient.Raw)]
    [InlineData(PhoneClient.SignalR)]
    public async Task Run_FivePhonesForThreeSeconds_EveryScoreMatchesAndDelaysAreMeasured(PhoneClient client)
    {
        // A one-second countdown: the runner must still wait for the running phase before it sends.
        await using var server = new ServerProcess(new Dictionary<string, string> { ["Game:CountdownSeconds"] = "1" });
        await server.StartAsync();
        var options = new LoadOptions
        {
            Client = client,
            Phones = 5,
            Hz = 20,
            Duration = TimeSpan.FromSeconds(3),
            RampUp = TimeSpan.FromMilliseconds(500),
            Presenters = 1,
        };
        var report = await server.RunLoadToolAsync(options);

        var context = ReportWriter.Summary(report) + "\n" + server.Output;
        Assert.True(report.Outcome == Outcome.Passed, context);
        Assert.True(report.Verification is { Performed: true, Passed: true, LostPoints: 0, DoubledPoints: 0, PlayersMissing: 0 }, context);
        Assert.Equal(5, report.Players.Count);
        Assert.All(report.Players, p => Assert.True(p.SamplesAcked > 0, $"{p.PlayerId} had no samples acknowledged.\n{context}"));
        Assert.All(report.Players, p => Assert.Equal(p.ExpectedScore, p.ActualScore));
        Assert.True(report.EndToEnd.Count > 0, context);
        Assert.Equal(0, report.ErrorCount);
        // Each phone is told its own standing, as the phone page shows it.
        Assert.True(report.Standings >= 5, context);
        // Read from the server's own /metrics while the phones sent.
        Assert.True(report.Server is { CpuCoresUsed: > 0, WorkingSetEndMiB: > 10 }, context);
        // Percentiles are of the steady window, the ramp-up's apart: together they hold every ack.
        var rampUp = Assert.IsType<WindowLatencySummary>(report.RampUp);
        Assert.True(rampUp.Ack.Count > 0 && report.AckLatency.Count > 0, context);
        Assert.Equal(report.Throughput.BatchesAcked, report.AckLatency.Count + rampUp.Ack.Count);
        // CPU over the steady window, per message and per sample, the server's and the tool's.
        Assert.True(report.Cpu is { ServerCores: > 0, ServerMicrosecondsPerMessage: > 0, ServerMicrosecondsPerSample: > 0, ToolCores: > 0, ToolToServer: > 0 }, context);
        Assert.Contains("µs per message", ReportWriter.Summary(report));
        Assert.Contains("ramp-up ack", ReportWriter.Summary(report));
        Assert.True(report.Timeline.Count >= 2 && report.Timeline.Any(p => p.SamplesPerSecond > 0), context);
    }
}
