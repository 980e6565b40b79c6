namespace Game.Server.Ingest;

/// <summary>
/// Per-shard token buckets for records and bytes per second, refilled continuously and holding at most one
/// second's worth, as Kinesis' write limits behave for a steady producer.
/// </summary>
public sealed class ShardWriteLimits(int shardCount, int recordsPerSecond, int bytesPerSecond, TimeProvider time)
{
    // By shard id: resharding adds shards, each starting with a full second's budget.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, Bucket> _buckets =
        new(Enumerable.Range(0, shardCount).Select(shard => KeyValuePair.Create(shard, new Bucket(recordsPerSecond, bytesPerSecond, time.GetTimestamp()))));

    /// <summary>Takes one record of <paramref name="bytes"/> from the shard's budget; false (taking nothing) when it does not fit.</summary>
    public bool TryTake(int shard, int bytes)
    {
        var bucket = _buckets.GetOrAdd(shard, _ => new Bucket(recordsPerSecond, bytesPerSecond, time.GetTimestamp()));
        lock (bucket)
        {
            var now = time.GetTimestamp();
            var elapsed = time.GetElapsedTime(bucket.RefilledAt, now).TotalSeconds;
            bucket.RefilledAt = now;
            bucket.Records = Math.Min(recordsPerSecond, bucket.Records + elapsed * recordsPerSecond);
            bucket.Bytes = Math.Min(bytesPerSecond, bucket.Bytes + elapsed * bytesPerSecond);
            if (bucket.Records < 1 || bucket.Bytes < bytes)
            {
                return false;
            }

            bucket.Records -= 1;
            bucket.Bytes -= bytes;
            return true;
        }
    }

    private sealed class Bucket(double records, double bytes, long refilledAt)
    {
        public double Records { get; set; } = records;

        public double Bytes { get; set; } = bytes;

        public long RefilledAt { get; set; } = refilledAt;
    }
}
