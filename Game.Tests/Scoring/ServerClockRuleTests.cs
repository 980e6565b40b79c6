using Game.Functions.Contracts;
using Game.Functions.Scoring;
using LoadTest.Options;
using LoadTest.Phones;

namespace Game.Tests.Scoring;

/// <summary>
/// The "ahead of the server clock" rule of docs/scoring.md: at 10 ms a counted sample from the round's start, a
/// player's counted samples may not reach more than <see cref="ScoreLedger.ServerClockToleranceMs"/> past the arrival
/// of the record carrying them. Records are applied as the score function applies them, with explicit arrival times.
/// Phones' clocks are minutes off the server's here on purpose: the rule uses only the server's clock.
/// </summary>
public sealed class ServerClockRuleTests
{
    private static readonly DateTimeOffset RoundStart = new(2026, 12, 1, 20, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan RoundLength = TimeSpan.FromSeconds(10);

    /// <summary>A round of 10 s with a 3 s countdown before it, as the game keeps it.</summary>
    private static readonly GameRecord Game = new()
    {
        GameId = "G",
        Phase = GamePhase.Running,
        RoundSeconds = 10,
        Round = 1,
        RoundStartsAt = RoundStart,
        RoundEndsAt = RoundStart + RoundLength,
    };

    /// <summary>The documented maximum (400 points a sample, 100 samples a second) plus what the tolerance allows: 440,000.</summary>
    private const long MaxPointsIn10SecondRound = 400 * 100 * (10 + ScoreLedger.ServerClockToleranceMs / 1000);

    /// <summary>Device time (ms) at the round's start: an epoch-based clock seven minutes slow, as a phone's may be.</summary>
    private static readonly double DeviceTimeAtRoundStart = RoundStart.ToUnixTimeMilliseconds() - 7 * 60_000 - 400.25;

    [Fact]
    public void Apply_ScriptWith16BatchesOf200InFlight_ScoresAtMostTheDocumentedMaximumAndDropsTheRest()
    {
        // The attack of issue 13: 200 samples 10 ms apart per batch at 49.81 m/s² (400 points each), device time
        // continuing from batch to batch, 1,024 batches reaching the stream over the 10 s round (16 always in flight).
        const int batches = 1024;
        var records = Enumerable.Range(0, batches)
            .Select(i => (Batch(i + 1, Enumerable.Range(0, GameLimits.MaxSamplesPerBatch).Select(k => Sample(DeviceTimeAtRoundStart + (i * 200 + k) * 10.0, 49.81))),
                RoundStart + TimeSpan.FromTicks(i * RoundLength.Ticks / batches)))
            .ToList();

        var (ledger, outcome) = Play(records);

        // The last record arrives 9,990 ms into the round: counted samples reach at most 10,990 ms, 1,099 of them.
        Assert.True(ledger.Score <= MaxPointsIn10SecondRound, $"scored {ledger.Score:N0}");
        Assert.Equal(1_099 * 400, ledger.Score);
        Assert.Equal(1_099, outcome.Counted);
        Assert.Equal(batches * 200 - 1_099, outcome.AheadOfServerClock);
        Assert.Equal(outcome.AheadOfServerClock, outcome.Dropped);
        Assert.Equal(RoundStart.ToUnixTimeMilliseconds() + 10_990, ledger.CountedUntil);
    }

    [Fact]
    public void Apply_ScriptSameRecordsReplayed_GivesTheSameLedgerEveryTime()
    {
        var records = Enumerable.Range(0, 50)
            .Select(i => (Batch(i + 1, Enumerable.Range(0, 200).Select(k => Sample(DeviceTimeAtRoundStart + (i * 200 + k) * 10.0, 49.81))),
                RoundStart + TimeSpan.FromMilliseconds(i * 37)))
            .ToList();
        var once = Play(records).Ledger;

        // A retry from the start, a retry from a checkpoint halfway, and duplicates interleaved: seq drops the repeats.
        var twice = Play(records.Concat(records)).Ledger;
        var fromCheckpoint = Play(records.Skip(25), Play(records.Take(25)).Ledger).Ledger;
        var interleaved = Play(records.SelectMany((r, i) => new[] { r, records[i / 2] })).Ledger;

        Assert.Equal(once, twice);
        Assert.Equal(once, fromCheckpoint);
        Assert.Equal(once, interleaved);
    }

    [Fact]
    public void Apply_RecordOf200AtTheRoundStart_CountsItsNewest100()
    {
        // All 200 taken before the start (in the countdown) and received as the round starts: the tolerance's worth counts.
        var samples = Enumerable.Range(0, 200).Select(k => Sample(DeviceTimeAtRoundStart - 2000 + k * 10.0, 19.81)).ToArray();

        var (ledger, outcome) = ScoreLedger.ApplyRecord(PlayerLedger.Empty, Batch(1, samples), RoundStart, Game.RoundAt(RoundStart));

        Assert.Equal(new BatchOutcome(true, 100 * 100, 100, 0, 0, 0, 0, 0, AheadOfServerClock: 100), outcome);
        Assert.Equal(new PlayerLedger { Score = 100 * 100, LastSeq = 1, LastSampleTime = samples[^1].T, CountedUntil = RoundStart.ToUnixTimeMilliseconds() + 1000 }, ledger);

        // Half a second later there is room for 50 more.
        var next = Enumerable.Range(1, 60).Select(k => Sample(samples[^1].T + k * 10.0, 19.81)).ToArray();
        var (after, nextOutcome) = ScoreLedger.ApplyRecord(ledger, Batch(2, next), RoundStart.AddMilliseconds(500), Game.RoundAt(RoundStart.AddMilliseconds(500)));

        Assert.Equal((50, 10), (nextOutcome.Counted, nextOutcome.AheadOfServerClock));
        Assert.Equal(RoundStart.ToUnixTimeMilliseconds() + 1500, after.CountedUntil);
        Assert.Equal(next[^1].T, after.LastSampleTime);
    }

    [Fact]
    public void Apply_EverySampleAheadOfTheClock_KeepsTheDeviceTimeButAdvancesSeq()
    {
        var full = new PlayerLedger { Score = 7, LastSeq = 3, LastSampleTime = 500, CountedUntil = RoundStart.ToUnixTimeMilliseconds() + 1000 };

        var (ledger, outcome) = ScoreLedger.ApplyRecord(full, Batch(4, Sample(600, 19.81), Sample(700, 19.81)), RoundStart, Game.RoundAt(RoundStart));

        Assert.Equal(full with { LastSeq = 4 }, ledger);
        Assert.Equal(2, outcome.AheadOfServerClock);
    }

    [Fact]
    public void Apply_IdleThroughEarlierRoundAndLobby_BanksNothingForTheNextRound()
    {
        // Round 1 ran 10 s, a minute ago; the script sent nothing then and now sends 16 × 200 at once.
        var round2 = RoundStart.AddMinutes(1);
        var game = Game with { Round = 2, RoundStartsAt = round2, RoundEndsAt = round2 + RoundLength, EarlierRounds = [new RoundWindow(RoundStart, RoundStart + RoundLength)] };
        var records = Enumerable.Range(0, 16)
            .Select(i => (Batch(i + 1, Enumerable.Range(0, 200).Select(k => Sample((i * 200 + k) * 10.0, 49.81))), round2.AddMilliseconds(5)))
            .ToList();

        var (ledger, outcome) = Play(records, game: game);

        Assert.Equal(100, outcome.Counted);
        Assert.Equal(16 * 200 - 100, outcome.AheadOfServerClock);
        Assert.Equal(round2.ToUnixTimeMilliseconds() + 1000, ledger.CountedUntil);
    }

    [Fact]
    public void Apply_OutsideEveryRound_LeavesTheServerClockAlone()
    {
        var before = RoundStart.AddSeconds(-1);

        var (ledger, outcome) = ScoreLedger.ApplyRecord(PlayerLedger.Empty, Batch(1, Sample(10, 49.81), Sample(20, 49.81)), before, Game.RoundAt(before));

        Assert.Equal(new PlayerLedger { LastSeq = 1, LastSampleTime = 20 }, ledger);
        Assert.Equal(2, outcome.OutsideRound);
    }

    [Fact]
    public void Apply_HonestPhoneOffline5SecondsThenSendsItsBacklog_LosesNothing()
    {
        // 100 Hz (the most the rules allow), a batch every 100 ms from the countdown on; no connection from 3 s to 8 s
        // into the round, then the backlog goes out at once in batches of at most 200.
        var sends = Every(100, from: -3000, to: 10_000).Where(s => s is < 3000 or >= 8000);

        AssertHonestLosesNothing(HonestPhone(100, sends, ackMs: _ => 0, arrivalLagMs: _ => 30));
    }

    [Theory]
    [InlineData(30)]    // records reach the stream at once, acks come back late
    [InlineData(1800)]  // records reach the stream late (a queue before it), and acks with them
    public void Apply_HonestPhoneWhoseAcksLagAndBatchesGrow_LosesNothing(int arrivalLagMs)
    {
        // One batch at a time: the next goes when the last is acknowledged, carrying everything taken meanwhile
        // (200 at most, the rest in the next). Acks take 0.5 s in the countdown; from 2 s into the round the server
        // lags: acks take 2.5 s (or the time to reach the stream, when longer).
        var records = HonestPhone(100, sends: null, ackMs: s => s < 2000 ? 500 : 2500, arrivalLagMs: s => s < 2000 ? 30 : arrivalLagMs);

        Assert.Contains(records, r => r.Batch.Samples.Count == GameLimits.MaxSamplesPerBatch && Game.Counts(r.Arrival));
        AssertHonestLosesNothing(records);
    }

    [Fact]
    public void Apply_HonestPhoneWithJitter_LosesNothing()
    {
        // 60 Hz like most phones, a batch every 100 ms, arrival 20 ms to 1.5 s after sending, in order.
        var random = new Random(5);
        var lag = 20.0;
        AssertHonestLosesNothing(HonestPhone(60, Every(100, from: -3000, to: 10_000), ackMs: _ => 0, arrivalLagMs: _ => lag = Math.Max(lag - 100, random.NextDouble() * 1500)));
    }

    [Theory]
    [InlineData(100, 100, 0)]
    [InlineData(100, 100, 1500)]
    [InlineData(50, 100, 1500)]
    [InlineData(100, 20, 800)]
    public void Apply_LoadToolPhonesAtFullLoad_LoseNothing(int hz, int sendMs, int maxAckMs)
    {
        // The load tool's own batching (PhoneSession): phones start once the round runs, spread over the ramp-up; each
        // batch holds what the sensor produced since the last (at least 1, at most 200), with MotionGenerator's device
        // time; at full load acks lag (up to maxAckMs) and the next batch goes when the last is acknowledged.
        var options = new LoadOptions { Hz = hz, SendInterval = TimeSpan.FromMilliseconds(sendMs), RampUp = TimeSpan.FromSeconds(2), Duration = TimeSpan.FromSeconds(7) };
        var random = new Random(hz * 31 + sendMs);
        for (var phone = 0; phone < 20; phone++)
        {
            var generator = new MotionGenerator(seed: 1, phone, options.SampleIntervalMs);
            var records = new List<(MotionBatch Batch, DateTimeOffset Arrival)>();
            var start = 20 + options.RampUp.TotalMilliseconds * phone / 20;
            var sensingSince = start - sendMs;
            long samplesSent = 0, seq = 0;
            for (var due = start; due < (options.RampUp + options.Duration).TotalMilliseconds; seq++)
            {
                var count = (int)Math.Clamp(options.SamplesCapturedBy(TimeSpan.FromMilliseconds(due - sensingSince)) - samplesSent, 1, GameLimits.MaxSamplesPerBatch);
                samplesSent += count;
                var lag = random.NextDouble() * maxAckMs;
                records.Add((Batch(seq + 1, generator.Next(count)), RoundStart.AddMilliseconds(due + lag / 2)));
                due = Math.Max(due + sendMs, due + lag);
            }

            AssertHonestLosesNothing(records);
        }
    }

    /// <summary>Every <paramref name="stepMs"/> from <paramref name="from"/> to before <paramref name="to"/>, in ms from the round's start.</summary>
    private static IEnumerable<double> Every(double stepMs, double from, double to)
    {
        for (var t = from; t < to; t += stepMs)
        {
            yield return t;
        }
    }

    /// <summary>
    /// An honest phone, as the phone page sends: its sensor fires at <paramref name="hz"/> from the countdown (3 s
    /// before the round) on, with the device's own clock; at each send it sends everything taken so far, in batches of
    /// at most 200. With <paramref name="sends"/> it sends at those times (ms from the round's start); without, it
    /// sends again once the last batch is acknowledged, <paramref name="ackMs"/> after it was sent.
    /// </summary>
    private static List<(MotionBatch Batch, DateTimeOffset Arrival)> HonestPhone(int hz, IEnumerable<double>? sends, Func<double, double> ackMs, Func<double, double> arrivalLagMs)
    {
        var random = new Random(hz);
        var taken = Every(1000.0 / hz, from: -3000, to: RoundLength.TotalMilliseconds + 500)
            .Select(t => (At: t, Sample: Sample(DeviceTimeAtRoundStart + t, random.NextDouble() * 60, random.NextDouble() * 20)))
            .ToList();
        var records = new List<(MotionBatch, DateTimeOffset)>();
        var (next, seq) = (0, 0L);
        var sendAt = sends?.GetEnumerator();
        for (var s = -2900.0; s < RoundLength.TotalMilliseconds + 500;)
        {
            if (sendAt is not null)
            {
                if (!sendAt.MoveNext())
                {
                    break;
                }

                s = sendAt.Current;
            }

            var lag = arrivalLagMs(s);
            while (next < taken.Count && taken[next].At <= s)
            {
                var batch = taken.Skip(next).TakeWhile(x => x.At <= s).Take(GameLimits.MaxSamplesPerBatch).Select(x => x.Sample).ToList();
                next += batch.Count;
                records.Add((Batch(++seq, batch), RoundStart.AddMilliseconds(s + lag)));
            }

            s = sendAt is null ? s + Math.Max(ackMs(s), lag) : s;
        }

        return records;
    }

    /// <summary>The ledger with the server clock's rule equals the phone's own mirror (which leaves that rule out), and nothing was dropped.</summary>
    private static void AssertHonestLosesNothing(List<(MotionBatch Batch, DateTimeOffset Arrival)> records)
    {
        var (ledger, outcome) = Play(records);
        var mirror = records.Aggregate(PlayerLedger.Empty, (l, r) => ScoreLedger.Apply(l, r.Batch, Game.Counts(r.Arrival)).Ledger);

        Assert.Equal(0, outcome.Dropped);
        Assert.True(outcome.Counted > 0);
        Assert.Equal(mirror with { CountedUntil = ledger.CountedUntil }, ledger);
    }

    /// <summary>Applies records in order as the score function does, from <paramref name="ledger"/>; answers the ledger and the summed outcome.</summary>
    private static (PlayerLedger Ledger, BatchOutcome Outcome) Play(IEnumerable<(MotionBatch Batch, DateTimeOffset Arrival)> records, PlayerLedger? ledger = null, GameRecord? game = null)
    {
        game ??= Game;
        var total = default(BatchOutcome);
        ledger ??= PlayerLedger.Empty;
        foreach (var (batch, arrival) in records)
        {
            (ledger, var outcome) = ScoreLedger.ApplyRecord(ledger, batch, arrival, game.RoundAt(arrival));
            total = total.Add(outcome);
        }

        return (ledger, total);
    }

    private static MotionSample Sample(double t, double x, double y = 0) => new() { T = t, X = x, Y = y, Z = 0 };

    private static MotionBatch Batch(long seq, params MotionSample[] samples) => Batch(seq, (IEnumerable<MotionSample>)samples);

    private static MotionBatch Batch(long seq, IEnumerable<MotionSample> samples) => new() { GameId = "G", PlayerId = "p", Seq = seq, Samples = samples.ToList() };
}
