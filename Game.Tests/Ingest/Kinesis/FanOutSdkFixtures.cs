using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Game.Tests.Infrastructure;

namespace Game.Tests.Ingest.Kinesis;

/// <summary>
/// Runs Game.Tests/node/fanout-cases.js (AWS' JavaScript SDK: stream consumers and SubscribeToShard over HTTP/2)
/// once against a peer and keeps every case's result, so each test asserts on one case.
/// </summary>
public abstract class FanOutSdkFixture : IAsyncLifetime
{
    private JsonDocument? _results;

    /// <summary>What the peer printed, for failure messages.</summary>
    public abstract string PeerOutput { get; }

    public async Task InitializeAsync()
    {
        var endpoint = await StartPeerAsync();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = KinesisSdkFixture.NodeDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["NODE_PATH"] = KinesisSdkFixture.NodeModules },
        };
        foreach (var argument in (string[])[Path.Combine(KinesisSdkFixture.NodeDirectory, "fanout-cases.js"), "--endpoint", endpoint,
            "--access-key", KinesisSdkFixture.AccessKeyId, "--secret", KinesisSdkFixture.SecretAccessKey, .. Arguments()])
        {
            start.ArgumentList.Add(argument);
        }

        if (!Directory.Exists(KinesisSdkFixture.NodeModules))
        {
            throw new InvalidOperationException($"{KinesisSdkFixture.NodeModules} is missing: run `npm ci` in Game.Tests/node, or set GAME_TEST_NODE_MODULES.");
        }

        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException($"fanout-cases.js did not finish within 180 s:\n{await stderr}\n{PeerOutput}");
        }

        if (node.ExitCode != 0)
        {
            throw new InvalidOperationException($"fanout-cases.js exited with {node.ExitCode}:\n{await stderr}\n{PeerOutput}");
        }

        _results = JsonDocument.Parse(await stdout);
    }

    public abstract Task DisposeAsync();

    /// <summary>Compares a case's result with the expected JSON, exactly.</summary>
    public void AssertCase(string name, string expectedJson)
    {
        var results = _results ?? throw new InvalidOperationException("The cases have not run.");
        Assert.True(results.RootElement.TryGetProperty(name, out var result), $"No result for case {name}:\n{results.RootElement}");
        if (result.ValueKind == JsonValueKind.Object && result.TryGetProperty("failed", out var failure))
        {
            Assert.Fail($"Case {name} threw: {failure.GetString()}\n{PeerOutput}");
        }

        var expected = JsonNode.Parse(expectedJson)!.ToJsonString();
        var actual = JsonNode.Parse(result.GetRawText())!.ToJsonString();
        Assert.True(expected == actual, $"Case {name}\nexpected: {expected}\nactual:   {actual}");
    }

    protected abstract Task<string> StartPeerAsync();

    protected abstract IEnumerable<string> Arguments();
}

/// <summary>
/// Our server (a child process, on one plain-http port for both HTTP/1.1 and HTTP/2) with a short subscription
/// lifetime, heartbeat and takeover window, so the cases see them end, beat and take over in seconds.
/// </summary>
public sealed class GameServerFanOutFixture : FanOutSdkFixture
{
    public const int LifetimeSeconds = 6;

    private readonly ServerProcess _server = new(new Dictionary<string, string>
    {
        ["Ingest:AccessKeyId"] = KinesisSdkFixture.AccessKeyId,
        ["Ingest:SecretAccessKey"] = KinesisSdkFixture.SecretAccessKey,
        ["Ingest:EnhancedFanOut:SubscriptionLifetimeSeconds"] = LifetimeSeconds.ToString(),
        ["Ingest:EnhancedFanOut:TakeoverSeconds"] = "1",
        ["Ingest:EnhancedFanOut:HeartbeatSeconds"] = "1",
        ["Ingest:EnhancedFanOut:ConsumerTransitionMilliseconds"] = "300",
    });

    public override string PeerOutput => _server.Output;

    public override async Task DisposeAsync() => await _server.DisposeAsync();

    protected override async Task<string> StartPeerAsync()
    {
        await _server.StartAsync();
        return _server.BaseUrl;
    }

    protected override IEnumerable<string> Arguments() => ["--lifetime-seconds", LifetimeSeconds.ToString()];
}

/// <summary>kinesalite, which has no enhanced fan-out: only the case that shows it runs.</summary>
public sealed class KinesaliteFanOutFixture : FanOutSdkFixture
{
    private readonly KinesaliteProcess _kinesalite = new();

    public override string PeerOutput => _kinesalite.Output;

    public override async Task DisposeAsync() => await _kinesalite.DisposeAsync();

    protected override async Task<string> StartPeerAsync()
    {
        await _kinesalite.StartAsync();
        return _kinesalite.Url;
    }

    protected override IEnumerable<string> Arguments() => ["--case", "kinesaliteHasNoFanOut"];
}
