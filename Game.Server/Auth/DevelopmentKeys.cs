using System.Net;
using Game.Server.Ingest;

namespace Game.Server.Auth;

/// <summary>
/// The development key pair that ships in appsettings.json and the README (<c>AKIDGAMELOCAL</c> with its published
/// secret) signs Kinesis writes and Invoke calls. On loopback that is fine; reachable from a network, anyone on it
/// can write motion records for any player. The server still starts (a hall's first run must not fail on the
/// projector), but says so loudly, naming the settings to change.
/// </summary>
public static partial class DevelopmentKeys
{
    /// <summary>The published development access key id.</summary>
    public const string AccessKeyId = "AKIDGAMELOCAL";

    /// <summary>The published development secret (the part that matters: the key id is not a secret).</summary>
    public const string SecretAccessKey = "game-local-secret";

    /// <summary>Logs the warning when the server listens beyond loopback with the published secret; answers whether it did.</summary>
    internal static bool Warn(IEnumerable<string> urls, IngestOptions options, ILogger logger)
    {
        var exposed = urls.Where(url => !IsLoopback(url)).ToList();
        if (exposed.Count == 0 || options.SecretAccessKey != SecretAccessKey)
        {
            return false;
        }

        LogDevelopmentKeysOnNetwork(logger, string.Join(", ", exposed), options.AccessKeyId);
        return true;
    }

    /// <summary>True for an address only this machine reaches: localhost, 127.0.0.0/8, ::1.</summary>
    internal static bool IsLoopback(string url)
    {
        var host = BindingAddress.Parse(url).Host.Trim('[', ']');
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "SECURITY: the server listens beyond this machine ({Urls}) with the published development key pair (access key id {AccessKeyId}): " +
        "anyone on the network can write to the stream and invoke functions. Set Ingest:AccessKeyId and Ingest:SecretAccessKey " +
        "(env Ingest__AccessKeyId, Ingest__SecretAccessKey) to a key pair of your own, and give it to your producers.")]
    private static partial void LogDevelopmentKeysOnNetwork(ILogger logger, string urls, string accessKeyId);
}
