using System.Xml.Linq;
using LoadTest.Reporting;

namespace Game.Tests.LoadTest;

public sealed class TimelineChartTests
{
    [Fact]
    public void Svg_Timeline_IsWellFormedWithOnePointPerSecondInEachSeries()
    {
        var timeline = new[]
        {
            new TimelinePoint(1, 40_000, 80, 0),
            new TimelinePoint(2, 50_000, 120, 0),
            new TimelinePoint(3, 45_000, 95.5, 1),
        };

        var svg = XDocument.Parse(TimelineChart.Svg(timeline));

        XNamespace ns = "http://www.w3.org/2000/svg";
        var lines = svg.Descendants(ns + "polyline").ToDictionary(e => (string)e.Attribute("id")!, e => ((string)e.Attribute("points")!).Split(' '));
        Assert.Equal(3, lines["rate"].Length);
        Assert.Equal(3, lines["p99"].Length);
        // The highest rate (50,000) sits on the top of the plot: its axis runs to 50,000.
        Assert.Equal("30", lines["rate"][1].Split(',')[1]);
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == "50000");
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(0.7, 1)]
    [InlineData(120, 200)]
    [InlineData(50_000, 50_000)]
    [InlineData(99_667, 100_000)]
    public void NiceCeiling_RoundsUpToOneTwoOrFive(double value, double expected) =>
        Assert.Equal(expected, TimelineChart.NiceCeiling(value));

    [Fact]
    public void Svg_EmptyTimeline_StillDrawsTheAxes()
    {
        var svg = XDocument.Parse(TimelineChart.Svg([]));

        Assert.Equal(2, svg.Descendants(XName.Get("polyline", "http://www.w3.org/2000/svg")).Count());
    }
}
