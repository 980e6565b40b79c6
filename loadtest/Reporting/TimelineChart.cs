using System.Globalization;
using System.Text;

namespace LoadTest.Reporting;

/// <summary>
/// The run over time as an SVG: samples/s acknowledged (left axis) and the end-to-end p99 of each second (right
/// axis). Plain polylines, so any browser or Markdown viewer shows it.
/// </summary>
public static class TimelineChart
{
    private const int Width = 900, Height = 360, Left = 70, Right = 70, Top = 30, Bottom = 40;

    public static string Svg(IReadOnlyList<TimelinePoint> timeline)
    {
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        var maxSecond = Math.Max(1, timeline.Count == 0 ? 1 : timeline[^1].Second);
        var maxRate = NiceCeiling(timeline.Count == 0 ? 1 : timeline.Max(p => p.SamplesPerSecond));
        var maxDelay = NiceCeiling(timeline.Count == 0 ? 1 : timeline.Max(p => p.EndToEndP99Ms));
        string X(double second) => F(Left + second / maxSecond * plotWidth);
        string Y(double value, double max) => F(Top + plotHeight - value / max * plotHeight);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" viewBox="0 0 {Width} {Height}" font-family="sans-serif" font-size="12">""").Append('\n');
        svg.Append("""<rect width="100%" height="100%" fill="white"/>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{Left}" y="{Top}" width="{plotWidth}" height="{plotHeight}" fill="none" stroke="#999"/>""").Append('\n');
        for (var i = 0; i <= 4; i++)
        {
            var y = Top + plotHeight * i / 4.0;
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{Left}" y1="{F(y)}" x2="{Left + plotWidth}" y2="{F(y)}" stroke="#eee"/>""").Append('\n');
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left - 6}" y="{F(y + 4)}" text-anchor="end" fill="#1f77b4">{F(maxRate * (4 - i) / 4)}</text>""").Append('\n');
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left + plotWidth + 6}" y="{F(y + 4)}" fill="#d62728">{F(maxDelay * (4 - i) / 4)}</text>""").Append('\n');
        }

        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="{Top - 10}" fill="#1f77b4">samples/s acknowledged</text>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left + plotWidth}" y="{Top - 10}" text-anchor="end" fill="#d62728">end-to-end p99 (ms)</text>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left + plotWidth / 2}" y="{Height - 8}" text-anchor="middle">seconds since sending began (max {F(maxSecond)})</text>""").Append('\n');
        svg.Append("<polyline id=\"rate\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"")
            .AppendJoin(' ', timeline.Select(p => $"{X(p.Second)},{Y(p.SamplesPerSecond, maxRate)}")).Append("\"/>\n");
        svg.Append("<polyline id=\"p99\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"")
            .AppendJoin(' ', timeline.Select(p => $"{X(p.Second)},{Y(p.EndToEndP99Ms, maxDelay)}")).Append("\"/>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten, at or above the value: round axis labels.</summary>
    public static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        return new[] { 1, 2, 5, 10 }.Select(m => m * power).First(v => v >= value);
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
