using System.Globalization;
using System.Text.RegularExpressions;

namespace LoadTest.Options;

/// <summary>Parses durations written with a unit: <c>250ms</c>, <c>20s</c>, <c>1.5s</c>, <c>2m</c>.</summary>
public static partial class DurationParser
{
    /// <summary>Parses <paramref name="text"/>; a bare number is read in <paramref name="bareUnit"/>, or refused when that is null.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, string? bareUnit = null)
    {
        duration = default;
        var match = DurationPattern().Match(text?.Trim() ?? "");
        if (!match.Success)
        {
            return false;
        }

        var unit = match.Groups["unit"].Success ? match.Groups["unit"].Value : bareUnit;
        var value = double.Parse(match.Groups["value"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        double? milliseconds = unit switch
        {
            "ms" => value,
            "s" => value * 1000,
            "m" => value * 60_000,
            _ => null,
        };

        // Whole milliseconds: the tool schedules nothing finer, and it keeps reports exact.
        if (milliseconds is not { } ms || ms > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(Math.Round(ms));
        return true;
    }

    public static TimeSpan Parse(string text, string? bareUnit = null) =>
        TryParse(text, out var duration, bareUnit)
            ? duration
            : throw new FormatException($"'{text}' is not a duration: write a number and a unit (ms, s or m), for example 500ms, 20s or 2m.");

    /// <summary>The shortest unit-bearing form, for reports: <c>20s</c>, <c>2m</c>, <c>1500ms</c>.</summary>
    public static string Format(TimeSpan duration) =>
        duration.Ticks % TimeSpan.TicksPerMinute == 0 && duration > TimeSpan.Zero ? $"{(long)duration.TotalMinutes}m"
        : duration.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{(long)duration.TotalSeconds}s"
        : $"{duration.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";

    [GeneratedRegex(@"^(?<value>\d+(\.\d+)?)(?<unit>ms|s|m)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
