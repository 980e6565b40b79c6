using System.Diagnostics;
using System.Text.Json;
using Game.Tests.Ingest.Kinesis;

namespace Game.Tests.Infrastructure;

/// <summary>
/// Runs a script of Game.Tests/node (the AWS SDKs for JavaScript, nobody here wrote them) against a server and reads
/// the one JSON document it prints: each case's answer by name, for the C# tests to assert on.
/// </summary>
public static class NodeCases
{
    /// <param name="script">The script's file name in Game.Tests/node.</param>
    /// <param name="arguments">What follows the script on the command line.</param>
    /// <param name="timeout">How long the script may run before the set-up fails.</param>
    /// <param name="peerOutput">What the server printed, for the failure message.</param>
    public static async Task<JsonDocument> RunAsync(string script, IEnumerable<string> arguments, TimeSpan timeout, Func<string> peerOutput)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = KinesisSdkFixture.NodeDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["NODE_PATH"] = KinesisSdkFixture.NodeModules },
        };
        start.ArgumentList.Add(Path.Combine(KinesisSdkFixture.NodeDirectory, script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(timeout);
        Assert.True(node.ExitCode == 0, $"{script} failed:\n{await stderr}\n{peerOutput()}");
        return JsonDocument.Parse(await stdout);
    }
}
