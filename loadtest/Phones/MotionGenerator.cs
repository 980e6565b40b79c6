using System.Collections;
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
            var (t, x, y, z) = Sample();
            samples[i] = new MotionSample { T = t, X = x, Y = y, Z = z };
        }

        return samples;
    }

    /// <summary>The same next <paramref name="count"/> samples as <see cref="Next"/> would give, as values in <paramref name="batch"/> (its old ones replaced).</summary>
    public SampleBatch NextInto(SampleBatch batch, int count)
    {
        batch.Clear(count);
        for (var i = 0; i < count; i++)
        {
            batch.Add(Sample());
        }

        return batch;
    }

    private SampleValues Sample()
    {
        var t = _deviceStart + _samples++ * sampleIntervalMs;
        var magnitude = _random.NextDouble() * MaxMagnitude;

        // A uniform direction on the sphere, so x, y and z all vary like a shaken phone's.
        var z = _random.NextDouble() * 2 - 1;
        var phi = _random.NextDouble() * 2 * Math.PI;
        var r = Math.Sqrt(1 - z * z);
        return new SampleValues(t, magnitude * r * Math.Cos(phi), magnitude * r * Math.Sin(phi), magnitude * z);
    }
}

/// <summary>One sample's values: device time (ms) and acceleration (m/s²), as <see cref="MotionSample"/> holds them.</summary>
public readonly record struct SampleValues(double T, double X, double Y, double Z);

/// <summary>
/// A phone's batch of samples kept as values in a buffer it reuses for every batch, read as <see cref="MotionSample"/>s
/// (each made when read) by whoever wants the contract's type, such as <c>ScoreLedger</c> applying an acknowledged
/// batch to the phone's expected ledger. A <see cref="MotionSample"/> per sample kept from generation to ack was
/// half of what the tool allocated at 2,000 phones, and lived long enough under load to be promoted.
/// </summary>
/// <remarks>
/// Reused by the next batch once the phone is done with this one (acknowledged, or given up): a phone has one batch
/// in flight, and every link has encoded it before its ack can arrive.
/// </remarks>
public sealed class SampleBatch : IReadOnlyList<MotionSample>
{
    private SampleValues[] _values = new SampleValues[16];

    public int Count { get; private set; }

    /// <summary>The values themselves, for encoding without a <see cref="MotionSample"/> each.</summary>
    public ReadOnlySpan<SampleValues> Values => _values.AsSpan(0, Count);

    public MotionSample this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            var (t, x, y, z) = _values[index];
            return new MotionSample { T = t, X = x, Y = y, Z = z };
        }
    }

    public IEnumerator<MotionSample> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void Clear(int capacity)
    {
        if (_values.Length < capacity)
        {
            _values = new SampleValues[Math.Max(capacity, _values.Length * 2)];
        }

        Count = 0;
    }

    internal void Add(SampleValues values) => _values[Count++] = values;
}
