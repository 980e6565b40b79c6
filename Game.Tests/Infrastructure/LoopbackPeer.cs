using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Game.Tests.Infrastructure;

/// <summary>
/// What every real peer a test starts on loopback (dynalite, kinesalite, redis-server, haproxy) does the same way:
/// start with its output captured, then wait until its port accepts connections, failing with that output when the
/// process exits first or the port stays closed past the timeout.
/// </summary>
internal static class LoopbackPeer
{
    public static async Task<Process> StartAsync(ProcessStartInfo start, string name, int port, TimeSpan timeout, Action<string?> output, Func<string> outputSoFar)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}.");
        process.OutputDataReceived += (_, e) => output(e.Data);
        process.ErrorDataReceived += (_, e) => output(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with {process.ExitCode}:\n{outputSoFar()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return process;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
