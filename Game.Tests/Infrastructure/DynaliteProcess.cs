using System.Diagnostics;
using System.Text;

namespace Game.Tests.Infrastructure;

/// <summary>
/// dynalite (DynamoDB's API on Node) as a child process on a free loopback port, for tests that must stop and
/// start the store itself. With <c>persistent</c>, tables are kept in LevelDB in a folder of their own, so a
/// dynalite killed and started again (same port, same folder) still has every item.
/// </summary>
public sealed class DynaliteProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly StringBuilder _output = new();
    private Process? _process;

    public DynaliteProcess(bool persistent)
    {
        Port = ServerProcess.FreePort();
        DataPath = persistent ? Path.Combine(Path.GetTempPath(), "dynalite-" + Guid.NewGuid().ToString("N")[..12]) : null;
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>The LevelDB folder, or null when tables live in memory.</summary>
    public string? DataPath { get; }

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

    /// <summary>Starts dynalite and waits until its port accepts connections.</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(NodeDirectory(), "dynalite.js"));
        start.ArgumentList.Add(Port.ToString());
        if (DataPath is not null)
        {
            start.ArgumentList.Add(DataPath);
        }

        _process = await LoopbackPeer.StartAsync(start, "dynalite", Port, StartTimeout, Append, () => Output);
    }

    /// <summary>SIGKILL: the store vanishes mid-request, as in a crash or a network cut.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        if (DataPath is not null && Directory.Exists(DataPath))
        {
            Directory.Delete(DataPath, recursive: true);
        }
    }

    /// <summary>Where dynalite.js and its node_modules are: beside GAME_TEST_NODE_MODULES when set, else Game.Tests/node.</summary>
    private static string NodeDirectory() =>
        Environment.GetEnvironmentVariable("GAME_TEST_NODE_MODULES") is { Length: > 0 } modules
            ? Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(modules))!
            : Path.Combine(ServerProcess.RepositoryRoot, "Game.Tests", "node");

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
