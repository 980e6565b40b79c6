using System.Globalization;

namespace LoadTest.Options;

/// <summary>
/// How many files (sockets) this process may open. .NET raises its soft limit to the hard limit when it starts
/// (so the tool already has all it can get without root); what is left is to check that the phones fit in it
/// and to say so plainly before connecting thousands of them.
/// </summary>
public static class FileLimits
{
    /// <summary>Descriptors the tool needs besides its phones: runtime, HTTP clients, presenters, logs.</summary>
    public const int Reserve = 200;

    /// <summary>The soft "Max open files" limit of this process, from /proc/self/limits; null where there is none (not Linux).</summary>
    public static long? OpenFiles(string limitsPath = "/proc/self/limits") =>
        File.Exists(limitsPath) ? Parse(File.ReadAllLines(limitsPath)) : null;

    /// <summary>The soft limit from the lines of a /proc/&lt;pid&gt;/limits file; null when unlimited or absent.</summary>
    public static long? Parse(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? limit : null;
            }
        }

        return null;
    }

    /// <summary>Why the run cannot open its connections, or null when they fit (or there is no limit to check).</summary>
    public static string? Problem(LoadOptions options, long? openFiles)
    {
        // Kinesis phones share a few HTTP connections; hub phones have a WebSocket each.
        var needed = (options.Via == Via.Kinesis ? 0 : options.Phones) + options.Presenters + Reserve;
        return openFiles is { } limit && needed > limit
            ? $"{options.Phones:N0} phones need about {needed:N0} open files (one socket each, plus {Reserve} for the tool), but this process may open {limit:N0}. " +
              "The tool already runs at the hard limit; raise it (ulimit -Hn as root, or LimitNOFILE= in a systemd unit) or use fewer phones. The server needs as many."
            : null;
    }
}
