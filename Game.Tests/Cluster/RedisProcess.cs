using System.Diagnostics;
using System.Globalization;
using System.Text;
using Game.Tests.Infrastructure;

namespace Game.Tests.Cluster;

/// <summary>
/// A redis-server of a test's own on a free loopback port, which the test may stop and start again on the same
/// port (the shared one from ./scripts/test must stay up for the other tests). Persists to an append-only file in a
/// folder of its own, as a production Redis for the cluster does (docs/scale-out.md, "Redis restarts").
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly StringBuilder _output = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "redis-" + Guid.NewGuid().ToString("N")[..12]);
    private Process? _process;

    public int Port { get; } = ServerProcess.FreePort();

    public string Address => $"127.0.0.1:{Port}";

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

    /// <summary>Starts redis-server (on the same port and files each time) and waits until its port accepts connections.</summary>
    public async Task StartAsync()
    {
        Directory.CreateDirectory(_directory);
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", _directory,
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = await LoopbackPeer.StartAsync(start, "redis-server", Port, StartTimeout, Append, () => Output);
    }

    /// <summary>SIGTERM and wait: Redis flushes its append-only file and exits, as in a restart for maintenance.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])!)
            {
                await kill.WaitForExitAsync();
            }

            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
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
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
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
