using System.Diagnostics;
using System.Text.Json;
using Game.Tests.Infrastructure;

namespace Game.Tests.Ingest.Kinesis;

/// <summary>
/// Runs Game.Tests/node/kinesis-cases.js (AWS' JavaScript SDK) once against an endpoint and keeps every case's
/// result, so each test asserts on one case without paying for a Node start of its own.
/// </summary>
public abstract class KinesisSdkFixture : IAsyncLifetime
{
    public const string AccessKeyId = "AKIDGAMELOCAL";
    public const string SecretAccessKey = "game-local-secret";

    private JsonDocument? _results;

    public static string NodeModules { get; } =
        Environment.GetEnvironmentVariable("GAME_TEST_NODE_MODULES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(ServerProcess.RepositoryRoot, "Game.Tests", "node", "node_modules");

    public static string NodeDirectory { get; } = Path.Combine(ServerProcess.RepositoryRoot, "Game.Tests", "node");

    /// <summary>The peer's base URL, for requests the SDK cannot make.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>What the peer printed, for failure messages.</summary>
    public abstract string PeerOutput { get; }

    public JsonElement Case(string name)
    {
        var results = _results ?? throw new InvalidOperationException("The cases have not run.");
        Assert.True(results.RootElement.TryGetProperty(name, out var result), $"No result for case {name}:\n{results.RootElement}");
        if (result.ValueKind == JsonValueKind.Object && result.TryGetProperty("failed", out var failure))
        {
            Assert.Fail($"Case {name} threw: {failure.GetString()}\n{PeerOutput}");
        }

        return result;
    }

    public async Task InitializeAsync()
    {
        Endpoint = await StartPeerAsync();
        _results = await RunCasesAsync(Endpoint, ExtraArguments());
    }

    public abstract Task DisposeAsync();

    /// <summary>Starts the endpoint the cases run against and answers its URL.</summary>
    protected abstract Task<string> StartPeerAsync();

    protected abstract IEnumerable<string> ExtraArguments();

    protected static ProcessStartInfo Node(string script, IEnumerable<string> arguments)
    {
        if (!Directory.Exists(NodeModules))
        {
            throw new InvalidOperationException($"{NodeModules} is missing: run `npm ci` in Game.Tests/node, or set GAME_TEST_NODE_MODULES.");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = NodeDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["NODE_PATH"] = NodeModules },
        };
        start.ArgumentList.Add(Path.Combine(NodeDirectory, script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private async Task<JsonDocument> RunCasesAsync(string endpoint, IEnumerable<string> extra)
    {
        using var node = Process.Start(Node("kinesis-cases.js",
            ["--endpoint", endpoint, "--access-key", AccessKeyId, "--secret", SecretAccessKey, .. extra]))!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException($"kinesis-cases.js did not finish within 60 s:\n{await stderr}\n{PeerOutput}");
        }

        if (node.ExitCode != 0)
        {
            throw new InvalidOperationException($"kinesis-cases.js exited with {node.ExitCode}:\n{await stderr}\n{PeerOutput}");
        }

        return JsonDocument.Parse(await stdout);
    }
}

/// <summary>
/// Our server (a child process) with a 5-second iterator lifetime: the expiry case waits it out beside the other
/// cases, each of which uses its iterators well within that.
/// </summary>
public sealed class GameServerKinesisFixture : KinesisSdkFixture
{
    public const int IteratorLifetimeSeconds = 5;

    private readonly ServerProcess _server = new(new Dictionary<string, string>
    {
        ["Ingest:StreamName"] = "motion",
        ["Ingest:ShardCount"] = "4",
        ["Ingest:AccessKeyId"] = AccessKeyId,
        ["Ingest:SecretAccessKey"] = SecretAccessKey,
        ["Ingest:IteratorLifetimeSeconds"] = IteratorLifetimeSeconds.ToString(),
    });

    public override string PeerOutput => _server.Output;

    public override async Task DisposeAsync() => await _server.DisposeAsync();

    protected override async Task<string> StartPeerAsync()
    {
        await _server.StartAsync();
        return _server.BaseUrl;
    }

    protected override IEnumerable<string> ExtraArguments() => ["--expiry-wait-ms", ((IteratorLifetimeSeconds + 1) * 1000).ToString()];
}

/// <summary>kinesalite, a Kinesis implementation nobody here wrote, on a free loopback port, with the same stream created.</summary>
public sealed class KinesaliteFixture : KinesisSdkFixture
{
    private readonly KinesaliteProcess _kinesalite = new();

    public override string PeerOutput => _kinesalite.Output;

    public override async Task DisposeAsync() => await _kinesalite.DisposeAsync();

    protected override async Task<string> StartPeerAsync()
    {
        await _kinesalite.StartAsync();
        return _kinesalite.Url;
    }

    // kinesalite's iterators live a fixed 5 minutes, too long to wait for: the expiry case is not run there.
    protected override IEnumerable<string> ExtraArguments() => ["--create-stream", "4"];
}
