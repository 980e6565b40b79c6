using Game.Tests.Infrastructure;
using LoadTest;
using LoadTest.Options;
using LoadTest.Reporting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Game.Tests.LoadTest;

/// <summary>Runs the load tool's runner in-process against a real server started by the test.</summary>
public static class LoadToolRuns
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>One run of <paramref name="options"/> aimed at <paramref name="server"/> with its presenter key, bounded by a minute.</summary>
    public static async Task<LoadReport> RunLoadToolAsync(this ServerProcess server, LoadOptions options)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var aimed = options with { Url = new Uri(server.BaseUrl), PresenterKey = ServerProcess.TestPresenterKey };
        return await new LoadRunner(aimed, TimeProvider.System, NullLogger<LoadRunner>.Instance).RunAsync(timeout.Token);
    }
}
