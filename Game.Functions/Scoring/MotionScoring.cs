using Game.Functions.Contracts;

namespace Game.Functions.Scoring;

/// <summary>The scoring formula of docs/scoring.md. Pure: no state, no I/O.</summary>
public static class MotionScoring
{
    /// <summary>Standard gravity: a phone lying still reads this magnitude and scores nothing.</summary>
    public const double Gravity = 9.81;

    /// <summary>Acceleration above gravity that earns the most points; more earns no more.</summary>
    public const double MaxExcess = 40;

    public const double PointsPerMetrePerSecondSquared = 10;

    /// <summary>m = √(x²+y²+z²) of accelerationIncludingGravity.</summary>
    public static double Magnitude(MotionSample sample) =>
        Math.Sqrt(sample.X * sample.X + sample.Y * sample.Y + sample.Z * sample.Z);

    /// <summary>
    /// Binary floating point cannot hold most decimals: 19.81 − 9.81 is 9.999…98, which would floor to 99 points
    /// where the formula on paper gives 100. A billionth of a point of tolerance makes boundaries score as written.
    /// </summary>
    public const double Tolerance = 1e-9;

    /// <summary>points = ⌊10 · min(max(m − 9.81, 0), 40)⌋.</summary>
    public static int Points(MotionSample sample) =>
        (int)Math.Floor(PointsPerMetrePerSecondSquared * Math.Min(Math.Max(Magnitude(sample) - Gravity, 0), MaxExcess) + Tolerance);
}
