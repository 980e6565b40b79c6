using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Tests.Infrastructure;

namespace Game.Tests.Scoring;

/// <summary>
/// The score function applies every stream record through <see cref="ScoreLedger.ApplyRecord"/>, so its only
/// allocation is the ledger it answers (docs/performance.md, 2026-12-02: the server clock's rule had added a list of
/// the accepted samples and a LINQ iterator to every record). Counted on this thread, so other tests do not disturb it.
/// </summary>
public sealed class ScoreLedgerAllocationTests
{
    private static readonly DateTimeOffset RoundStart = new(2026, 12, 1, 20, 0, 0, TimeSpan.Zero);
    private static readonly RoundWindow Round = new(RoundStart, RoundStart.AddSeconds(30));

    [Fact]
    public void ApplyRecord_BatchInsideTheRound_AllocatesOnlyTheNewLedger()
    {
        var batch = Batch(seq: 2, firstT: 1_000, count: 10);
        var arrival = RoundStart.AddSeconds(5);
        var ledger = new PlayerLedger { Score = 10, LastSeq = 1, LastSampleTime = 900, CountedUntil = RoundStart.ToUnixTimeMilliseconds() };
        ScoreLedger.ApplyRecord(ledger, batch, arrival, Round);
        var oneLedger = Allocated.By(() => new PlayerLedger { Score = 1 });

        var applied = default(PlayerLedger);
        var bytes = Allocated.By(() => applied = ScoreLedger.ApplyRecord(ledger, batch, arrival, Round).Ledger);

        Assert.Equal(oneLedger, bytes);
        Assert.Equal(1, applied!.LastSeq - ledger.LastSeq);
    }

    [Fact]
    public void ApplyRecord_SamplesAheadOfTheServerClock_AllocatesOnlyTheNewLedger()
    {
        // 200 samples arriving 100 ms into the round: only 110 fit (the tolerance), the 90 oldest are dropped.
        var batch = Batch(seq: 1, firstT: 0, count: 200);
        var arrival = RoundStart.AddMilliseconds(100);
        ScoreLedger.ApplyRecord(PlayerLedger.Empty, batch, arrival, Round);
        var oneLedger = Allocated.By(() => new PlayerLedger { Score = 1 });

        var outcome = default(BatchOutcome);
        var bytes = Allocated.By(() => outcome = ScoreLedger.ApplyRecord(PlayerLedger.Empty, batch, arrival, Round).Outcome);

        Assert.Equal(oneLedger, bytes);
        Assert.Equal((110, 90), (outcome.Counted, outcome.AheadOfServerClock));
    }

    private static MotionBatch Batch(long seq, double firstT, int count) => new()
    {
        GameId = "G",
        PlayerId = "p",
        Seq = seq,
        Samples = Enumerable.Range(0, count).Select(i => new MotionSample { T = firstT + (20 * i), X = 19.81, Y = 0, Z = 0 }).ToArray(),
    };
}
