using Game.Functions.Contracts;

namespace Game.Functions.Scoring;

/// <summary>Why a sample did not count. Each reason has its own metric.</summary>
public enum SampleVerdict
{
    Counted = 0,
    OutsideRound,
    NotFinite,
    TooStrong,
    TimeNotIncreasing,
    TooFrequent,
}

/// <summary>What applying one batch did, by verdict.</summary>
public readonly record struct BatchOutcome(bool Applied, int Points, int Counted, int OutsideRound, int NotFinite, int TooStrong, int TimeNotIncreasing, int TooFrequent)
{
    public int Dropped => NotFinite + TooStrong + TimeNotIncreasing + TooFrequent;

    /// <summary>Sums two outcomes (Applied when either applied).</summary>
    public BatchOutcome Add(BatchOutcome other) => new(
        Applied || other.Applied, Points + other.Points, Counted + other.Counted, OutsideRound + other.OutsideRound,
        NotFinite + other.NotFinite, TooStrong + other.TooStrong, TimeNotIncreasing + other.TimeNotIncreasing, TooFrequent + other.TooFrequent);
}

/// <summary>
/// Applies a phone's batches to its <see cref="PlayerLedger"/>: the exactly-once rule (a batch whose seq is
/// not above the last applied changes nothing) and the fairness rules of docs/scoring.md. Pure and deterministic,
/// so a replay from any checkpoint computes the same ledger.
/// </summary>
public static class ScoreLedger
{
    /// <summary>No real phone reports more than this (m/s²); clean data stays under 80.</summary>
    public const double MaxMagnitude = 160;

    /// <summary>At most 100 samples per second of device time: accepted samples are at least this far apart (ms).</summary>
    public const double MinSampleIntervalMs = 10;

    /// <summary>
    /// Applies one batch. <paramref name="counts"/> says whether the stream received it inside the running round:
    /// a batch outside the round still advances the ledger's seq and device time, but scores nothing.
    /// </summary>
    public static (PlayerLedger Ledger, BatchOutcome Outcome) Apply(PlayerLedger ledger, MotionBatch batch, bool counts)
    {
        if (batch.Seq <= ledger.LastSeq)
        {
            return (ledger, default);
        }

        int points = 0, counted = 0, outside = 0, notFinite = 0, tooStrong = 0, notIncreasing = 0, tooFrequent = 0;
        var lastTime = ledger.LastSampleTime;
        foreach (var sample in batch.Samples)
        {
            switch (Judge(sample, lastTime))
            {
                case SampleVerdict.NotFinite: notFinite++; continue;
                case SampleVerdict.TooStrong: tooStrong++; continue;
                case SampleVerdict.TimeNotIncreasing: notIncreasing++; continue;
                case SampleVerdict.TooFrequent: tooFrequent++; continue;
            }

            lastTime = sample.T;
            if (counts)
            {
                points += MotionScoring.Points(sample);
                counted++;
            }
            else
            {
                outside++;
            }
        }

        var next = new PlayerLedger { Score = ledger.Score + points, LastSeq = batch.Seq, LastSampleTime = lastTime };
        return (next, new BatchOutcome(true, points, counted, outside, notFinite, tooStrong, notIncreasing, tooFrequent));
    }

    /// <summary>The fairness verdict for one sample, given the device time of the last accepted one.</summary>
    public static SampleVerdict Judge(MotionSample sample, double lastAcceptedTime)
    {
        if (!double.IsFinite(sample.T) || !double.IsFinite(sample.X) || !double.IsFinite(sample.Y) || !double.IsFinite(sample.Z))
        {
            return SampleVerdict.NotFinite;
        }

        if (MotionScoring.Magnitude(sample) > MaxMagnitude)
        {
            return SampleVerdict.TooStrong;
        }

        if (sample.T <= lastAcceptedTime)
        {
            return SampleVerdict.TimeNotIncreasing;
        }

        return sample.T - lastAcceptedTime < MinSampleIntervalMs ? SampleVerdict.TooFrequent : SampleVerdict.Counted;
    }
}
