using System.Diagnostics;
using System.Text;
using Game.Tests.Infrastructure;

namespace Game.Tests.Cluster;

/// <summary>
/// HAProxy (Debian's package) in front of the nodes, with the repository's own configuration
/// (deploy/haproxy/haproxy.cfg) and one <c>server</c> line per node appended, as ./scripts/cluster does: the one
/// URL phones, displays and the presenter use.
/// </summary>
public sealed class LoadBalancerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly StringBuilder _output = new();
    private readonly string _configFile = Path.Combine(Path.GetTempPath(), $"haproxy-{Guid.NewGuid():N}.cfg");
    private Process? _process;

    /// <summary>
    /// What a node behind it needs: to believe its X-Forwarded-For (it connects from 127.0.0.1), so each client is
    /// its own to the rate limits and loopback-only rights stay with this machine.
    /// </summary>
    public static IReadOnlyDictionary<string, string> NodeSettings { get; } = new Dictionary<string, string>
    {
        ["Hosting:TrustedProxies"] = "127.0.0.1",
    };

    public int Port { get; } = ServerProcess.FreePort();

    public string BaseUrl => $"http://127.0.0.1:{Port}";

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

    /// <summary>Writes the configuration for <paramref name="nodes"/> and starts HAProxy in the foreground.</summary>
    public async Task StartAsync(IEnumerable<ServerProcess> nodes)
    {
        var config = new StringBuilder(await File.ReadAllTextAsync(Path.Combine(ServerProcess.RepositoryRoot, "deploy", "haproxy", "haproxy.cfg")));
        var index = 0;
        foreach (var node in nodes)
        {
            config.AppendLine($"    server node{++index} 127.0.0.1:{node.Port}");
        }

        await File.WriteAllTextAsync(_configFile, config.ToString());
        var start = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["GAME_LB_BIND"] = $"127.0.0.1:{Port}" },
        };
        // -db: foreground, no daemon, so this process owns it and a kill ends it.
        foreach (var argument in new[] { "-db", "-f", _configFile })
        {
            start.ArgumentList.Add(argument);
        }

        _process = await LoopbackPeer.StartAsync(start, "haproxy", Port, StartTimeout, Append, () => Output);
    }

    public HttpClient CreatePresenterClient() => new()
    {
        BaseAddress = new Uri(BaseUrl),
        DefaultRequestHeaders = { Authorization = new("Bearer", ServerProcess.TestPresenterKey) },
    };

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        File.Delete(_configFile);
    }

    /// <summary>Debian installs it in /usr/sbin, which is not on every PATH; ./scripts/test installs it when missing.</summary>
    private static string Executable() =>
        new[] { "/usr/sbin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("haproxy is not installed: run ./scripts/test, which installs Debian's haproxy.");

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
