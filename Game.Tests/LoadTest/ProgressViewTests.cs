using LoadTest.Reporting;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace Game.Tests.LoadTest;

public sealed class ProgressViewTests
{
    private static readonly ProgressSnapshot Snapshot = new(
        Phase: "game", Elapsed: TimeSpan.FromSeconds(12), Planned: TimeSpan.FromSeconds(70), PhonesConnected: 1_998, Phones: 2_000,
        OfferedSamplesPerSecond: 100_000, SentSamplesPerSecond: 99_850, AckedSamplesPerSecond: 99_700, AckedMessagesPerSecond: 19_940,
        EndToEndP99Ms: 143.5, AckP99Ms: 21.4, SamplesAcked: 1_234_567, Errors: 7,
        ErrorsByKind: new Dictionary<string, long> { ["ack-timeout"] = 5, ["refused:ProvisionedThroughputExceededException"] = 2 }, Reconnects: 2);

    [Fact]
    public void Render_ASecondOfARun_ShowsEveryFigureTheIssueAsksFor()
    {
        var text = RenderToText(Snapshot);

        Assert.Contains("game · 12 s of 70 s", text);
        Assert.Contains("1,998 / 2,000", text);
        Assert.Contains("99,850", text);
        Assert.Contains("99,700  (19,940 msg/s)", text);
        Assert.Contains("143.5 ms", text);
        Assert.Contains("21.4 ms", text);
        Assert.Contains("7: ack-timeout 5, refused:ProvisionedThroughputExceededException 2", text);
    }

    [Fact]
    public void Render_BaselineWithoutPresenters_ShowsNoEndToEndFigure()
    {
        var text = RenderToText(Snapshot with { Phase = "baseline", EndToEndP99Ms = null });

        Assert.Matches(@"send → display p99 \(last second\)\s*│\s*—", text);
    }

    [Fact]
    public void Create_OutputRedirected_FallsBackToLogLines()
    {
        // The test host redirects standard output, as CI and `> file` do.
        Assert.True(Console.IsOutputRedirected);

        var view = ProgressView.Create(plain: false, NullLogger.Instance);

        Assert.Equal(ProgressView.Plain(NullLogger.Instance).GetType(), view.GetType());
    }

    private static string RenderToText(ProgressSnapshot snapshot)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 120;
        console.Write(ProgressView.Render(snapshot));
        return writer.ToString();
    }
}
