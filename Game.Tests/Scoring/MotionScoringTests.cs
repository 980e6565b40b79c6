using Game.Functions.Contracts;
using Game.Functions.Scoring;

namespace Game.Tests.Scoring;

public sealed class MotionScoringTests
{
    [Theory]
    [InlineData(0, 0, 9.81, 0)]          // lying still: gravity only
    [InlineData(0, 0, 0, 0)]             // free fall reads less than gravity: no negative points
    [InlineData(3, 4, 12, 31)]           // m = 13 → ⌊10 · 3.19⌋
    [InlineData(19.81, 0, 0, 100)]       // 10 above gravity
    [InlineData(-9.81, -10, 0, 41)]      // m = 14.0084… → ⌊10 · 4.1984…⌋
    [InlineData(49.81, 0, 0, 400)]       // 40 above gravity: the cap
    [InlineData(0, 79.9, 0, 400)]        // far above the cap earns no more
    public void Points_HandComputedSamples_MatchFormula(double x, double y, double z, int expected) =>
        Assert.Equal(expected, MotionScoring.Points(new MotionSample { X = x, Y = y, Z = z }));
}
