using Game.Functions.Contracts;
using Game.Functions.Scoring;
using LoadTest.Phones;
using LoadTest.Reporting;

namespace Game.Tests.LoadTest;

public sealed class LoadToolMotionTests
{
    [Fact]
    public void MotionGenerator_SameSeedAndPhone_GivesTheSameSamples()
    {
        var first = new MotionGenerator(seed: 7, phoneIndex: 3, sampleIntervalMs: 20).Next(100);
        var second = new MotionGenerator(seed: 7, phoneIndex: 3, sampleIntervalMs: 20).Next(100);
        var otherPhone = new MotionGenerator(seed: 7, phoneIndex: 4, sampleIntervalMs: 20).Next(100);

        Assert.Equal(first, second);
        Assert.NotEqual(first.Select(s => s.X), otherPhone.Select(s => s.X));
    }

    [Fact]
    public void MotionGenerator_NextInto_GivesTheSameSamplesAsNextAndReusesTheBatch()
    {
        var asObjects = new MotionGenerator(seed: 7, phoneIndex: 3, sampleIntervalMs: 20);
        var asValues = new MotionGenerator(seed: 7, phoneIndex: 3, sampleIntervalMs: 20);
        var batch = new SampleBatch();

        foreach (var count in new[] { 10, 3, 40, 1 })
        {
            var expected = asObjects.Next(count);
            var values = asValues.NextInto(batch, count);

            Assert.Same(batch, values);
            Assert.Equal(expected, values);
            Assert.Equal(expected.Select(s => new SampleValues(s.T, s.X, s.Y, s.Z)), values.Values.ToArray());
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => batch[1]);
    }

    [Fact]
    public void ScoreLedger_SamplesKeptAsValues_GivesTheLedgerOfTheSameSamplesAsObjects()
    {
        var asObjects = new MotionGenerator(seed: 2, phoneIndex: 5, sampleIntervalMs: 20);
        var asValues = new MotionGenerator(seed: 2, phoneIndex: 5, sampleIntervalMs: 20);
        var batch = new SampleBatch();
        PlayerLedger fromObjects = PlayerLedger.Empty, fromValues = PlayerLedger.Empty;

        for (var seq = 1; seq <= 50; seq++)
        {
            fromObjects = ScoreLedger.Apply(fromObjects, new MotionBatch { Seq = seq, Samples = asObjects.Next(10) }, counts: true).Ledger;
            fromValues = ScoreLedger.Apply(fromValues, new MotionBatch { Seq = seq, Samples = asValues.NextInto(batch, 10) }, counts: true).Ledger;
        }

        Assert.Equal(fromObjects, fromValues);
        Assert.True(fromValues.Score > 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    [InlineData(100)]
    public void MotionGenerator_AnyRateUpTo100Hz_EverySampleCountsByTheFairnessRules(int hz)
    {
        var generator = new MotionGenerator(seed: 1, phoneIndex: 0, sampleIntervalMs: 1000.0 / hz);
        var batches = Enumerable.Range(1, 200).Select(seq => new MotionBatch { GameId = "G", PlayerId = "p", Seq = seq, Samples = generator.Next(7) }).ToList();

        var ledger = PlayerLedger.Empty;
        var counted = 0;
        foreach (var batch in batches)
        {
            (ledger, var outcome) = ScoreLedger.Apply(ledger, batch, counts: true);
            counted += outcome.Counted;
            Assert.Equal(0, outcome.Dropped);
        }

        var samples = batches.SelectMany(b => b.Samples).ToList();
        Assert.Equal(samples.Count, counted);
        Assert.All(samples, s => Assert.InRange(MotionScoring.Magnitude(s), 0, MotionGenerator.MaxMagnitude + 1e-9));

        // The spread covers all three scoring regimes: below gravity, inside the band, and capped above it.
        Assert.Contains(samples, s => MotionScoring.Points(s) == 0);
        Assert.Contains(samples, s => MotionScoring.Points(s) is > 0 and < 400);
        Assert.Contains(samples, s => MotionScoring.Points(s) == 400);
    }

    [Theory]
    [InlineData(100L, 0L, 100L, true, 0L, 0L)]
    [InlineData(100L, 0L, 90L, false, 10L, 0L)]
    [InlineData(100L, 0L, 130L, false, 0L, 30L)]
    [InlineData(100L, 25L, 125L, true, 0L, 0L)] // the unacknowledged last batch did arrive
    [InlineData(100L, 25L, 100L, true, 0L, 0L)] // it did not
    [InlineData(100L, 25L, 110L, false, 0L, 0L)] // neither: part of a batch never scores
    [InlineData(100L, 25L, 140L, false, 0L, 15L)]
    public void PlayerResult_ScoreAgainstExpected_ClassifiesLostAndDoubled(long expected, long uncertain, long actual, bool matches, long lost, long doubled)
    {
        var result = new PlayerResult("p", "n", BatchesAcked: 1, SamplesAcked: 1, LastAckedSeq: 1, expected, uncertain, actual);

        Assert.Equal(matches, result.Matches);
        Assert.Equal(lost, result.LostPoints);
        Assert.Equal(doubled, result.DoubledPoints);
    }

    [Fact]
    public void PlayerResult_MissingFromScoreboard_DoesNotMatch()
    {
        Assert.False(new PlayerResult("p", "n", 1, 1, 1, ExpectedScore: 0, UncertainPoints: 0, ActualScore: null).Matches);
    }
}
