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
    AheadOfServerClock,
}

/// <summary>What applying one batch did, by verdict.</summary>
public readonly record struct BatchOutcome(bool Applied, int Points, int Counted, int OutsideRound, int NotFinite, int TooStrong, int TimeNotIncreasing, int TooFrequent, int AheadOfServerClock = 0)
{
    public int Dropped => NotFinite + TooStrong + TimeNotIncreasing + TooFrequent + AheadOfServerClock;

    /// <summary>Sums two outcomes (Applied when either applied).</summary>
    public BatchOutcome Add(BatchOutcome other) => new(
        Applied || other.Applied, Points + other.Points, Counted + other.Counted, OutsideRound + other.OutsideRound,
        NotFinite + other.NotFinite, TooStrong + other.TooStrong, TimeNotIncreasing + other.TimeNotIncreasing, TooFrequent + other.TooFrequent,
        AheadOfServerClock + other.AheadOfServerClock);
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
    /// How far (ms) a player's counted samples may reach past the arrival of the record that carries them, at
    /// <see cref="MinSampleIntervalMs"/> each from the round's start: room for the samples a phone took just before
    /// the round started and sends just after it (a batch every 100 ms; up to a second of them when acks lag).
    /// It is also what a script gains at most: 100 samples a round.
    /// </summary>
    public const long ServerClockToleranceMs = 1000;

    /// <summary>Server time (ms) one counted sample takes: the least device time between two counted samples.</summary>
    private const long CountedSampleMs = (long)MinSampleIntervalMs;

    /// <summary>
    /// Applies one stream record (a phone's batch) as the score function does: <paramref name="arrival"/> is when the
    /// stream received it (the server's stamp, never the phone's), <paramref name="round"/> the window of the round it
    /// arrived in, or null when it arrived outside every round (it then advances the ledger's seq and device time, but
    /// scores nothing). Every fairness rule applies, the server clock's included.
    /// </summary>
    public static (PlayerLedger Ledger, BatchOutcome Outcome) ApplyRecord(PlayerLedger ledger, MotionBatch batch, DateTimeOffset arrival, RoundWindow? round) =>
        Apply(ledger, batch, round is not null, round is { } window ? new ServerClock(arrival.ToUnixTimeMilliseconds(), window.StartsAt.ToUnixTimeMilliseconds()) : null);

    /// <summary>
    /// Applies one batch as a phone's own mirror does (the load tool, tests): <paramref name="counts"/> says whether
    /// it counts, and the server clock's rule is left out, as a phone cannot know when its records arrive. An honest
    /// phone's samples do not run ahead of the server's clock, so for it this is the ledger the server reaches with
    /// <see cref="ApplyRecord"/> (apart from <see cref="PlayerLedger.CountedUntil"/>, which only the server's clock gives).
    /// </summary>
    public static (PlayerLedger Ledger, BatchOutcome Outcome) Apply(PlayerLedger ledger, MotionBatch batch, bool counts) =>
        Apply(ledger, batch, counts, clock: null);

    private static (PlayerLedger Ledger, BatchOutcome Outcome) Apply(PlayerLedger ledger, MotionBatch batch, bool counts, ServerClock? clock)
    {
        if (batch.Seq <= ledger.LastSeq)
        {
            return (ledger, default);
        }

        // One pass judges every sample against the last one accepted before it and scores what passes, without keeping
        // the accepted samples: this runs for every record (docs/performance.md, 2026-12-02 profile), so it allocates nothing.
        int acceptedCount = 0, acceptedPoints = 0, notFinite = 0, tooStrong = 0, notIncreasing = 0, tooFrequent = 0;
        var lastTime = ledger.LastSampleTime;
        var samples = batch.Samples;
        // Indexed, not foreach: Samples is an interface, and its enumerator would be one more object per record.
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            if (!Accept(sample, ref lastTime, ref notFinite, ref tooStrong, ref notIncreasing, ref tooFrequent))
            {
                continue;
            }

            acceptedCount++;
            acceptedPoints += counts ? MotionScoring.Points(sample) : 0;
        }

        // Ahead of the server clock: at 10 ms each from the round's start, the counted samples may not reach more than
        // the tolerance past this record's arrival. The record's oldest samples go first: they are the furthest in the
        // past, such as those a phone took in the countdown and sent just after the start.
        var countedUntil = ledger.CountedUntil;
        var ahead = 0;
        if (counts && clock is { } server)
        {
            var from = Math.Max(countedUntil, server.RoundStart);
            var room = Math.Max(0, (server.Arrival + ServerClockToleranceMs - from) / CountedSampleMs);
            ahead = (int)Math.Max(0, acceptedCount - room);
            countedUntil = from + (acceptedCount - ahead) * CountedSampleMs;
        }

        // Rare (a phone whose samples outrun the server's clock): take back the points of the first `ahead` accepted
        // samples, found by judging the batch again the same way.
        var points = acceptedPoints - (ahead > 0 ? PointsOfFirstAccepted(batch, ledger.LastSampleTime, ahead) : 0);
        var counted = counts ? acceptedCount - ahead : 0;
        var outside = counts ? 0 : acceptedCount;

        // A dropped sample changes nothing: when the clock's rule dropped all of them, the device time stays where it was.
        var next = new PlayerLedger
        {
            Score = ledger.Score + points,
            LastSeq = batch.Seq,
            LastSampleTime = acceptedCount > ahead ? lastTime : ledger.LastSampleTime,
            CountedUntil = countedUntil,
        };
        return (next, new BatchOutcome(true, points, counted, outside, notFinite, tooStrong, notIncreasing, tooFrequent, ahead));
    }

    /// <summary>Judges one sample; counts a drop by its rule, or moves the device time to an accepted sample's.</summary>
    private static bool Accept(MotionSample sample, ref double lastTime, ref int notFinite, ref int tooStrong, ref int notIncreasing, ref int tooFrequent)
    {
        switch (Judge(sample, lastTime))
        {
            case SampleVerdict.NotFinite: notFinite++; return false;
            case SampleVerdict.TooStrong: tooStrong++; return false;
            case SampleVerdict.TimeNotIncreasing: notIncreasing++; return false;
            case SampleVerdict.TooFrequent: tooFrequent++; return false;
            default: lastTime = sample.T; return true;
        }
    }

    /// <summary>The points of the first <paramref name="count"/> samples of the batch that the per-sample rules accept.</summary>
    private static int PointsOfFirstAccepted(MotionBatch batch, double lastTime, int count)
    {
        int points = 0, ignored = 0;
        var samples = batch.Samples;
        for (var i = 0; i < samples.Count && count > 0; i++)
        {
            var sample = samples[i];
            if (Accept(sample, ref lastTime, ref ignored, ref ignored, ref ignored, ref ignored))
            {
                points += MotionScoring.Points(sample);
                count--;
            }
        }

        return points;
    }

    /// <summary>The per-sample fairness verdict, given the device time of the last accepted sample.</summary>
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

    /// <summary>A record's arrival and its round's start, in Unix milliseconds of the server's clock.</summary>
    private readonly record struct ServerClock(long Arrival, long RoundStart);
}
