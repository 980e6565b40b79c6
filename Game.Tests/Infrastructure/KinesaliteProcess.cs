using System.Diagnostics;
using System.Text;

namespace Game.Tests.Infrastructure;

/// <summary>
/// kinesalite (a Kinesis implementation nobody here wrote) as a child process on a free loopback port, through
/// Game.Tests/node/kinesalite.js (streams are created and deleted at once, shard limit 1,000).
/// </summary>
public sealed class KinesaliteProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly StringBuilder _output = new();
    private Process? _process;

    public int Port { get; } = ServerProcess.FreePort();

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>What kinesalite printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts kinesalite and waits until its port accepts connections.</summary>
    public async Task StartAsync()
    {
        var nodeDirectory = Path.Combine(ServerProcess.RepositoryRoot, "Game.Tests", "node");
        var nodeModules = Environment.GetEnvironmentVariable("GAME_TEST_NODE_MODULES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(nodeDirectory, "node_modules");
        if (!Directory.Exists(nodeModules))
        {
            throw new InvalidOperationException($"{nodeModules} is missing: run `npm ci` in Game.Tests/node, or set GAME_TEST_NODE_MODULES.");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = nodeDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["NODE_PATH"] = nodeModules },
        };
        start.ArgumentList.Add(Path.Combine(nodeDirectory, "kinesalite.js"));
        start.ArgumentList.Add(Port.ToString());
        _process = await LoopbackPeer.StartAsync(start, "kinesalite", Port, StartTimeout, Append, () => Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
