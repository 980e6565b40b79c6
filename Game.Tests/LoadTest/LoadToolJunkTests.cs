using System.Net;
using System.Net.Sockets;
using Game.Tests.Infrastructure;
using LoadTest.Junk;
using LoadTest.Options;
using LoadTest.Reporting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Game.Tests.LoadTest;

/// <summary>The load tool's junk flood (<c>--junk-rate</c>): anonymous attacks of issue #13 beside honest phones.</summary>
public sealed class LoadToolJunkTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    /// <summary>
    /// A few seconds of junk beside five honest phones against the real server: every junk request of every shape is
    /// answered with exactly its refusal, and the honest scores are still exact.
    /// </summary>
    [Fact]
    public async Task Run_WithJunkFlood_EveryJunkRequestIsRefusedAndHonestScoresAreExact()
    {
        await using var server = new ServerProcess(new Dictionary<string, string> { ["Game:CountdownSeconds"] = "1" });
        await server.StartAsync();
        var options = new LoadOptions
        {
            Phones = 5,
            Hz = 20,
            Duration = TimeSpan.FromSeconds(3),
            RampUp = TimeSpan.FromMilliseconds(500),
            Presenters = 1,
            JunkRate = 60,
            SeriesEvery = TimeSpan.FromSeconds(1),
        };
        var report = await server.RunLoadToolAsync(options);

        var context = ReportWriter.Summary(report) + "\n" + server.Output;
        Assert.True(report.Outcome == Outcome.Passed, context);
        Assert.True(report.Verification is { Performed: true, Passed: true, LostPoints: 0, DoubledPoints: 0, PlayersMissing: 0 }, context);
        Assert.All(report.Players, p => Assert.Equal(p.ExpectedScore, p.ActualScore));
        Assert.Equal(0, report.ErrorCount);

        var junk = Assert.IsType<JunkReport>(report.Junk);
        Assert.Equal(JunkShape.All.Select(s => s.Name), junk.Shapes.Select(s => s.Shape));
        Assert.Equal(0, junk.Unexpected);
        // Under every limit at this rate: each shape gets its own refusal, never the rate limiter's 429.
        var refusals = new Dictionary<string, string>
        {
            ["unknown-code-scoreboard"] = "404",
            ["unknown-code-join"] = "404",
            ["malformed-json"] = "400",
            ["oversize-json"] = "413",
            ["kinesis-unsigned"] = "400 MissingAuthenticationTokenException",
            ["kinesis-bad-signature"] = "400 InvalidSignatureException",
            ["invoke-unsigned"] = "403 MissingAuthenticationTokenException",
            ["phone-no-token"] = "401",
            ["phone-forged-token"] = "401",
        };
        foreach (var shape in junk.Shapes)
        {
            Assert.True(shape.Sent >= 10, $"{shape.Shape}: only {shape.Sent} sent.\n{context}");
            var answer = Assert.Single(shape.Answers);
            Assert.Equal((refusals[shape.Shape], shape.Sent), (answer.Key, answer.Value));
        }

        // Round robin: the shapes' turns (sent, or skipped while the in-flight cap was reached) differ by one at most.
        Assert.True(junk.Shapes.Max(s => s.Sent + s.Skipped) - junk.Shapes.Min(s => s.Sent + s.Skipped) <= 1, context);
        Assert.Contains("## Junk flood", ReportWriter.Markdown(report));
        Assert.Contains("## Server over time", ReportWriter.Markdown(report));
        Assert.True(report.Series.Count >= 3 && report.Series.Skip(1).All(p => p.CpuCores is not null && p.ManagedHeapMiB > 0 && p.ThreadPoolThreads > 0), context);
    }

    /// <summary>Nothing listens: no answer is a refusal, so every request sent is flagged (and the run would fail).</summary>
    [Fact]
    public async Task Flood_AgainstAClosedPort_FlagsEveryRequestAsUnexpected()
    {
        var url = new Uri($"http://127.0.0.1:{ClosedPort()}");
        var flood = JunkFlood.Start(url, ratePerSecond: 90, source: null, honestGameId: null, "AKIDGAMELOCAL", seed: 1, TimeProvider.System, NullLogger.Instance);
        await using (flood)
        {
            while (flood.Sent < JunkShape.All.Count)
            {
                await Task.Delay(10);
            }

            var report = await flood.StopAsync();

            Assert.True(report.Sent >= JunkShape.All.Count);
            Assert.Equal(report.Sent, report.Unexpected);
            Assert.All(report.Shapes, s => Assert.All(s.Answers.Keys, label => Assert.StartsWith("no answer: ", label)));
        }
    }

    [Fact]
    public void Parse_JunkOptions_AreRead()
    {
        var options = LoadOptionsParser.Parse(["--presenter-key", "k", "--junk-rate", "200", "--junk-source", "127.0.0.2", "--series-every", "5m"], NoEnvironment);

        Assert.Equal(200, options.JunkRate);
        Assert.Equal(IPAddress.Parse("127.0.0.2"), options.JunkSource);
        Assert.Equal(TimeSpan.FromMinutes(5), options.SeriesEvery);
        var defaults = LoadOptionsParser.Parse(["--presenter-key", "k"], NoEnvironment);
        Assert.Equal((0, null, TimeSpan.FromMinutes(1)), (defaults.JunkRate, defaults.JunkSource, defaults.SeriesEvery));
    }

    [Theory]
    [InlineData("--junk-rate", "1001")]
    [InlineData("--junk-rate", "-1")]
    [InlineData("--junk-rate", "10", "--baseline")]
    [InlineData("--junk-rate", "10", "--idle")]
    [InlineData("--junk-rate", "10", "--find-max")]
    [InlineData("--junk-rate", "10", "--compare-baseline")]
    [InlineData("--junk-source", "localhost")]
    [InlineData("--series-every", "500ms")]
    public void Parse_BadJunkOptions_AreRefused(params string[] args) =>
        Assert.Throws<OptionsException>(() => LoadOptionsParser.Parse(["--presenter-key", "k", .. args], NoEnvironment));

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
