namespace Game.Server.EventSources;

/// <summary>
/// How far behind the shard's tip one reader's last read was, as the source said (Kinesis: GetRecords'
/// <c>MillisBehindLatest</c>), so that IteratorAge does not rest on clocks alone. Written by the
/// <see cref="ShardReader"/> after each read, read by the <see cref="FunctionShardTarget"/> at each invocation.
/// </summary>
/// <remarks>
/// <para>Lambda's IteratorAge is how old a batch's last record is when the function gets it. From a record's arrival
/// timestamp that is <c>now − arrival</c>, but a Kinesis record's <c>ApproximateArrivalTimestamp</c> is stamped by
/// Kinesis' clock and <c>now</c> is this node's: a node whose clock runs behind reports a reader that is minutes
/// behind as fresh. MillisBehindLatest is measured by Kinesis alone, and the batch's last record is no younger than
/// the read it came in (it is that read's last record, or one before it), so MillisBehindLatest plus the time since
/// the read is a lower bound of its age on no clock but this node's monotonic one. The age reported is the larger of
/// the two. The embedded stream says nothing (its records are stamped by this node's own clock), and the age is the
/// arrival-based one, as before.</para>
/// <para>Thread-safe: one reader writes while the shard's lanes read.</para>
/// </remarks>
public sealed class ShardReadLag(TimeProvider time)
{
    private long _behindTicks = -1;
    private long _readAt;

    /// <summary>The reader got a read that was <paramref name="behindLatest"/> behind the tip (null: the source does not say).</summary>
    public void Observe(TimeSpan? behindLatest)
    {
        // The time first, then the lag: a reader of the lag then sees a time at least as new as the lag's.
        Interlocked.Exchange(ref _readAt, time.GetTimestamp());
        Interlocked.Exchange(ref _behindTicks, behindLatest is { } behind ? Math.Max(0, behind.Ticks) : -1);
    }

    /// <summary>IteratorAge for a batch whose last record arrived at <paramref name="lastArrival"/>, invoked now.</summary>
    public TimeSpan AgeOf(DateTimeOffset lastArrival)
    {
        var byArrival = time.GetUtcNow() - lastArrival;
        var behind = Interlocked.Read(ref _behindTicks);
        if (behind < 0)
        {
            return byArrival;
        }

        var byTip = TimeSpan.FromTicks(behind) + time.GetElapsedTime(Interlocked.Read(ref _readAt));
        return byTip > byArrival ? byTip : byArrival;
    }
}
