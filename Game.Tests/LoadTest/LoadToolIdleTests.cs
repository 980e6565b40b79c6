using Game.Tests.Infrastructure;
using LoadTest.Options;
using LoadTest.Reporting;

namespace Game.Tests.LoadTest;

public sealed class LoadToolIdleTests
{
    /// <summary>Idle phones send nothing for the settle period: the raw client's keep-alive and the heap reading are what is checked.</summary>
    [Fact]
    public async Task Run_Idle_ReportsTheManagedHeapBesideTheWorkingSetPerPhone()
    {
        await using var server = new ServerProcess();
        await server.StartAsync();
        var report = await server.RunLoadToolAsync(new LoadOptions { Idle = true, Phones = 5 });

        var context = ReportWriter.Summary(report) + "\n" + server.Output;
        Assert.True(report.Outcome == Outcome.Passed, context);
        Assert.Equal("idle", report.Mode);
        Assert.NotNull(report.IdleBytesPerPhone);
        // A heap figure only when the server collected since the first reading; otherwise a note says why not.
        Assert.Equal(report.IdleHeapBytesPerPhone is null, report.Notes.Any(n => n.Contains("did not collect garbage", StringComparison.Ordinal)));
        Assert.True(report.Server is { ManagedHeapStartMiB: > 0, ManagedHeapEndMiB: > 0 }, context);
        Assert.Contains("managed heap", ReportWriter.Summary(report));
    }
}
