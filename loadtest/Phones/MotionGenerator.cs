using Game.Functions.Contracts;

namespace LoadTest.Phones;

/// <summary>
/// A phone's deterministic accelerations: the same seed and phone index give the same samples in every run.
/// Every sample is clean by the fairness rules (finite, well under the magnitude limit, device time increasing
/// at least <see cref="Game.Functions.Scoring.ScoreLedger.MinSampleIntervalMs"/> apart), so each one scores.
/// </summary>
public sealed class MotionGenerator(int seed, int phoneIndex, double sampleIntervalMs)
{
    /// <summary>Magnitudes are spread over 0..60 m/s²: below gravity (0 points), in the scoring band, and above it (capped).</summary>
    public const double MaxMagnitude = 60;

    // Not HashCode.Combine: it is randomized per process, and runs must repeat.
    private readonly Random _random = new(unchecked(seed * 1_000_003 + phoneIndex) & int.MaxValue);

    // A per-phone device clock offset, as real phones boot at different times.
    private readonly double _deviceStart = 1_000 + phoneIndex * 7.0;
    private long _samples;

    public IReadOnlyList<MotionSample> Next(int count)
    {
        var samples = new MotionSample[count];
        for (var i = 0; i < count; i++)
        {
            samples[i] = Sample(_deviceStart + _samples++ * sampleIntervalMs);
        }

        return samples;
    }

    private MotionSample Sample(double t)
    {
        var magnitude = _random.NextDouble() * MaxMagnitude;

        // A uniform direction on the sphere, so x, y and z all vary like a shaken phone's.
        var z = _random.NextDouble() * 2 - 1;
        var phi = _random.NextDouble() * 2 * Math.PI;
        var r = Math.Sqrt(1 - z * z);
        return new MotionSample { T = t, X = magnitude * r * Math.Cos(phi), Y = magnitude * r * Math.Sin(phi), Z = magnitude * z };
    }
}
