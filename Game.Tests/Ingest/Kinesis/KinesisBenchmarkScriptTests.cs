using System.Diagnostics;
using System.Text.Json;
using Game.Tests.Infrastructure;

namespace Game.Tests.Ingest.Kinesis;

/// <summary>
/// Game.Tests/node/kinesis-bench.js, the Kinesis API's benchmark (docs/performance.md, "Kinesis API"), in a short
/// smoke run against a fresh server: both endpoints measured, and the real legs' records verified on the scoreboard.
/// </summary>
public sealed class KinesisBenchmarkScriptTests : IAsyncLifetime
{
    private readonly ServerProcess _server = new();

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task BenchmarkScript_ShortRun_MeasuresBothEndpointsAndVerifiesEveryRecordScored()
    {
        // Two legs of a second, 2 lanes of 20 players: enough to run every step of the benchmark, not to measure.
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = KinesisSdkFixture.NodeDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["NODE_PATH"] = KinesisSdkFixture.NodeModules },
        };
        string[] arguments = [Path.Combine(KinesisSdkFixture.NodeDirectory, "kinesis-bench.js"), "--url", _server.BaseUrl,
            "--presenter-key", ServerProcess.TestPresenterKey, "--records", "20", "--in-flight", "2", "--legs", "AB", "--leg-seconds", "1",
            "--warmup-seconds", "0", "--drain-timeout-seconds", "30", "--json"];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException($"kinesis-bench.js did not finish within 90 s:\n{await stderr}");
        }

        Assert.True(node.ExitCode == 0, $"kinesis-bench.js exited with {node.ExitCode}:\n{await stderr}\n{_server.Output}");
        using var summary = JsonDocument.Parse(await stdout);
        var root = summary.RootElement;
        Assert.True(root.GetProperty("verified").GetBoolean());
        Assert.Equal(40, root.GetProperty("players").GetInt32());
        Assert.Equal(["A", "B"], root.GetProperty("legs").EnumerateArray().Select(l => l.GetProperty("name").GetString()));
        Assert.True(root.GetProperty("realRecords").GetInt32() >= 40, await stderr);
        Assert.True(root.GetProperty("baselineRecordsPerSecond").GetDouble() > 0, await stderr);
        Assert.Equal(root.GetProperty("expectedPoints").GetInt64(), root.GetProperty("scoreboardPoints").GetInt64());
    }
}
