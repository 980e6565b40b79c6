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

        // The samples that pass the per-sample rules, in order; each is judged against the last one accepted before it.
        var accepted = new List<MotionSample>(batch.Samples.Count);
        int notFinite = 0, tooStrong = 0, notIncreasing = 0, tooFrequent = 0;
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
            accepted.Add(sample);
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
            ahead = (int)Math.Max(0, accepted.Count - room);
            countedUntil = from + (accepted.Count - ahead) * CountedSampleMs;
        }

        int points = 0, counted = 0, outside = 0;
        foreach (var sample in accepted.Skip(ahead))
        {
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

        // A dropped sample changes nothing: when the clock's rule dropped all of them, the device time stays where it was.
        var next = new PlayerLedger
        {
            Score = ledger.Score + points,
            LastSeq = batch.Seq,
            LastSampleTime = accepted.Count > ahead ? accepted[^1].T : ledger.LastSampleTime,
            CountedUntil = countedUntil,
        };
        return (next, new BatchOutcome(true, points, counted, outside, notFinite, tooStrong, notIncreasing, tooFrequent, ahead));
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
