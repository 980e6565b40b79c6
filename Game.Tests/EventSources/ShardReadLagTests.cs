using System.Globalization;
using Game.Server.EventSources;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.EventSources;

/// <summary>
/// IteratorAge from a read's distance to the shard's tip (Kinesis' MillisBehindLatest) and the records' arrival
/// stamps: never less than either, so a node whose clock runs behind Kinesis' still sees its reader fall behind.
/// </summary>
public sealed class ShardReadLagTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-02T02:00:00Z", CultureInfo.InvariantCulture));

    [Fact]
    public void AgeOf_NothingObserved_IsTheTimeSinceArrival()
    {
        var lag = new ShardReadLag(_time);

        Assert.Equal(TimeSpan.FromMilliseconds(1500), lag.AgeOf(_time.GetUtcNow().AddMilliseconds(-1500)));
    }

    [Fact]
    public void AgeOf_ReadFiveSecondsBehindButStampedNowByAClockAhead_IsFiveSecondsPlusTheTimeSinceTheRead()
    {
        var lag = new ShardReadLag(_time);
        // Kinesis stamped the record by a clock running ahead of this node's: by arrival it looks as new as now.
        var arrival = _time.GetUtcNow().AddSeconds(1);

        lag.Observe(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(5), lag.AgeOf(arrival));

        // Retried 300 ms later (a failing batch holds the shard): the age climbs with it.
        _time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(TimeSpan.FromMilliseconds(5300), lag.AgeOf(arrival));
    }

    [Fact]
    public void AgeOf_ReadAtTheTipOfRecordsThatArrivedEarlier_IsTheTimeSinceArrival()
    {
        var lag = new ShardReadLag(_time);

        lag.Observe(TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(2), lag.AgeOf(_time.GetUtcNow().AddSeconds(-2)));
    }

    [Fact]
    public void AgeOf_LaterReadFromASourceThatDoesNotSay_ForgetsTheEarlierLag()
    {
        var lag = new ShardReadLag(_time);
        lag.Observe(TimeSpan.FromSeconds(5));

        lag.Observe(null);

        Assert.Equal(TimeSpan.FromMilliseconds(250), lag.AgeOf(_time.GetUtcNow().AddMilliseconds(-250)));
    }
}
