using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Game.Tests.Infrastructure;

/// <summary>
/// The real server as a child process (the same Game.Server.dll that <c>dotnet run</c> starts) on free
/// loopback ports, with its own data directory, Orleans ports and cluster id. Can be killed with SIGKILL
/// and started again on the same data.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string TestPresenterKey = "test-presenter-key";

    private readonly Dictionary<string, string> _settings;
    private readonly string? _workingDirectory;
    private readonly StringBuilder _output = new();
    private Process? _process;

    /// <param name="settings">Command-line settings on top of the defaults below.</param>
    /// <param name="dataDirectory">The server's data directory; a fresh temporary one when null.</param>
    /// <param name="workingDirectory">Where the process starts; the folder of Game.Server.dll when null.</param>
    public ServerProcess(IReadOnlyDictionary<string, string>? settings = null, string? dataDirectory = null, string? workingDirectory = null)
    {
        _workingDirectory = workingDirectory;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "game-test-" + Guid.NewGuid().ToString("N")[..12]);
        Port = FreePort();
        _settings = new Dictionary<string, string>
        {
            ["Urls"] = BaseUrl,
            ["Game:DataDirectory"] = DataDirectory,
            ["Game:PresenterKey"] = TestPresenterKey,
            ["Orleans:SiloPort"] = FreePort().ToString(),
            ["Orleans:GatewayPort"] = FreePort().ToString(),
            ["Orleans:ClusterId"] = "test-" + Guid.NewGuid().ToString("N")[..8],
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _settings[key] = value;
        }
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public string DataDirectory { get; }

    /// <summary>What the server printed so far (for failure messages).</summary>
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

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Starts the server and waits until <c>/health</c> answers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var serverDirectory = ServerBinDirectory();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _workingDirectory ?? serverDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(serverDirectory, "Game.Server.dll"));
        foreach (var (key, value) in _settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Game.Server.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                // Waits for the output readers to reach the end too: the process may be gone before its last lines
                // (the reason it stopped) were read, and the message would say nothing.
                await _process.WaitForExitAsync();
                throw new InvalidOperationException($"Game.Server exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await http.GetAsync($"{BaseUrl}/health", cancellationToken)).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"Game.Server did not answer /health within 60 s:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or a power cut.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>
    /// SIGTERM, as systemd or Kubernetes stop a node: the host's graceful stop runs (Kestrel drains, the silo leaves
    /// the cluster, shard leases are handed over). Answers at once; <see cref="WaitForExitAsync"/> waits for the end.
    /// </summary>
    public void Terminate()
    {
        if (_process is { HasExited: false })
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])!;
            kill.WaitForExit();
        }
    }

    /// <summary>Waits until the process has exited; answers its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException("The server was not started.");
        await process.WaitForExitAsync().WaitAsync(timeout);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public HttpClient CreatePresenterClient() => new()
    {
        BaseAddress = new Uri(BaseUrl),
        DefaultRequestHeaders = { Authorization = new("Bearer", TestPresenterKey) },
    };

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>
    /// A loopback port nobody listens on right now, never handed out before in this test run, and below Linux's
    /// ephemeral range (32768–60999): a port the kernel picks for a listener on port 0 comes from that range, and
    /// before the server binds it any outgoing connection of the suite may take it as its source port (CI saw a
    /// silo fail to start with "Orleans:SiloPort 35129 is already in use"). 20000–29999 also stays clear of the
    /// server's own defaults (5000, 11111, 30000).
    /// </summary>
    internal static int FreePort()
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Random.Shared.Next(20_000, 30_000);
            if (!HandedOut.TryAdd(port, 0))
            {
                continue;
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Someone else's: try another.
            }
        }

        throw new InvalidOperationException("No free loopback port between 20000 and 29999.");
    }

    private static readonly ConcurrentDictionary<int, byte> HandedOut = new();

    /// <summary>Game.Server's own build output, in the configuration the tests were built in.</summary>
    internal static string ServerBinDirectory()
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var directory = Path.Combine(RepositoryRoot, "Game.Server", "bin", configuration, "net10.0");
        return File.Exists(Path.Combine(directory, "Game.Server.dll"))
            ? directory
            : throw new InvalidOperationException($"Build Game.Server first: {directory} has no Game.Server.dll.");
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Game.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Game.sln not found above " + AppContext.BaseDirectory);
    }
}
