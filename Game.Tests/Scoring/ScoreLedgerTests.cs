using Game.Functions.Contracts;
using Game.Functions.Scoring;

namespace Game.Tests.Scoring;

public sealed class ScoreLedgerTests
{
    private static MotionSample S(double t, double x) => new() { T = t, X = x, Y = 0, Z = 0 };

    private static MotionBatch Batch(long seq, params MotionSample[] samples) => new() { GameId = "G", PlayerId = "p", Seq = seq, Samples = samples };

    [Fact]
    public void Apply_CleanBatch_SumsPointsAndAdvancesSeqAndTime()
    {
        var (ledger, outcome) = ScoreLedger.Apply(PlayerLedger.Empty, Batch(1, S(0, 19.81), S(20, 29.81), S(40, 9.81)), counts: true);

        Assert.Equal(new PlayerLedger { Score = 300, LastSeq = 1, LastSampleTime = 40 }, ledger);
        Assert.Equal(new BatchOutcome(true, 300, 3, 0, 0, 0, 0, 0), outcome);
    }

    [Fact]
    public void Apply_SeqNotAboveLastApplied_ChangesNothing()
    {
        var ledger = new PlayerLedger { Score = 50, LastSeq = 7, LastSampleTime = 100 };

        Assert.Equal(ledger, ScoreLedger.Apply(ledger, Batch(7, S(200, 29.81)), counts: true).Ledger);
        Assert.Equal(ledger, ScoreLedger.Apply(ledger, Batch(3, S(200, 29.81)), counts: true).Ledger);
        Assert.False(ScoreLedger.Apply(ledger, Batch(7, S(200, 29.81)), counts: true).Outcome.Applied);
    }

    [Fact]
    public void Apply_OutsideRound_AdvancesSeqButScoresNothing()
    {
        var (ledger, outcome) = ScoreLedger.Apply(PlayerLedger.Empty, Batch(4, S(10, 29.81), S(30, 29.81)), counts: false);

        Assert.Equal(new PlayerLedger { Score = 0, LastSeq = 4, LastSampleTime = 30 }, ledger);
        Assert.Equal(2, outcome.OutsideRound);
    }

    [Fact]
    public void Apply_NonFiniteValues_AreDropped()
    {
        var (ledger, outcome) = ScoreLedger.Apply(PlayerLedger.Empty,
            Batch(1, S(0, double.NaN), S(10, double.PositiveInfinity), new MotionSample { T = double.NaN, X = 20 }, S(30, 19.81)), counts: true);

        Assert.Equal(100, ledger.Score);
        Assert.Equal(3, outcome.NotFinite);
        Assert.Equal(3, outcome.Dropped);
    }

    [Fact]
    public void Apply_MagnitudeAbove160_IsDroppedAnd160IsKept()
    {
        var (ledger, outcome) = ScoreLedger.Apply(PlayerLedger.Empty, Batch(1, S(0, 160.01), S(20, 160)), counts: true);

        Assert.Equal(400, ledger.Score);
        Assert.Equal(1, outcome.TooStrong);
    }

    [Fact]
    public void Apply_DeviceTimeNotIncreasing_WithinAndAcrossBatches_IsDropped()
    {
        var (first, firstOutcome) = ScoreLedger.Apply(PlayerLedger.Empty, Batch(1, S(100, 19.81), S(100, 19.81), S(90, 19.81)), counts: true);
        var (second, secondOutcome) = ScoreLedger.Apply(first, Batch(2, S(50, 19.81), S(120, 19.81)), counts: true);

        Assert.Equal(2, firstOutcome.TimeNotIncreasing);
        Assert.Equal(1, secondOutcome.TimeNotIncreasing);
        Assert.Equal(200, second.Score);
        Assert.Equal(120, second.LastSampleTime);
    }

    [Fact]
    public void Apply_MoreThan100SamplesPerSecond_DropsTheExtra()
    {
        // 200 Hz: every other sample comes 5 ms after the last accepted one.
        var samples = Enumerable.Range(0, 10).Select(i => S(i * 5, 19.81)).ToArray();

        var (ledger, outcome) = ScoreLedger.Apply(PlayerLedger.Empty, Batch(1, samples), counts: true);

        Assert.Equal(5, outcome.Counted);
        Assert.Equal(5, outcome.TooFrequent);
        Assert.Equal(500, ledger.Score);
    }

    [Fact]
    public void Apply_CleanData60HzUpTo80_IsNeverTouched()
    {
        var random = new Random(42);
        var samples = Enumerable.Range(0, 600)
            .Select(i => new MotionSample { T = i * 1000.0 / 60, X = random.NextDouble() * 46 - 23, Y = random.NextDouble() * 46 - 23, Z = random.NextDouble() * 46 - 23 })
            .ToArray();

        var (ledger, outcome) = ScoreLedger.Apply(PlayerLedger.Empty, Batch(1, samples), counts: true);

        Assert.Equal(0, outcome.Dropped);
        Assert.Equal(600, outcome.Counted);
        Assert.Equal(samples.Sum(MotionScoring.Points), ledger.Score);
    }

    [Fact]
    public void Apply_ReplayWithDuplicatesInterleaved_EqualsCleanRun()
    {
        var batches = Enumerable.Range(1, 20).Select(seq => Batch(seq, S(seq * 100, 10 + seq), S(seq * 100 + 20, 30))).ToList();
        var clean = batches.Aggregate(PlayerLedger.Empty, (l, b) => ScoreLedger.Apply(l, b, true).Ledger);

        var replayed = batches.Concat(batches).Concat(batches.Where(b => b.Seq % 3 == 0))
            .Aggregate(PlayerLedger.Empty, (l, b) => ScoreLedger.Apply(l, b, true).Ledger);
        var interleaved = batches.SelectMany(b => new[] { b, batches[(int)(b.Seq / 2)] })
            .Aggregate(PlayerLedger.Empty, (l, b) => ScoreLedger.Apply(l, b, true).Ledger);

        Assert.Equal(clean, replayed);
        Assert.Equal(clean, interleaved);
    }
}
