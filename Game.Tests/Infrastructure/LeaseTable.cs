using System.Diagnostics;
using Game.Server.EventSources.Leases;

namespace Game.Tests.Infrastructure;

/// <summary>
/// A mapping's lease table watched from outside the nodes (a test's own connection to the store), for tests where
/// leases move between server processes: wait for a shape of the table, and time when a node takes over shards.
/// </summary>
/// <param name="leases">The store the nodes share (for DynamoDB: <c>DynamoDbTestStore.Open(options).Leases</c>).</param>
/// <param name="keyPrefix">One mapping's lease keys: <c>{function}/{stream}/</c>.</param>
public sealed class LeaseTable(IShardLeaseStore leases, string keyPrefix)
{
    /// <summary>How often the table is read while waiting: small beside any lease timing, so it adds little to a measured time.</summary>
    public static readonly TimeSpan ReadInterval = TimeSpan.FromMilliseconds(25);

    public Task<IReadOnlyList<Lease>> ReadAsync() => leases.ListLeasesAsync(keyPrefix, CancellationToken.None);

    /// <summary>Reads the table until <paramref name="done"/> holds, and answers that table; fails with the last table seen after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<Lease>> WaitForAsync(Func<IReadOnlyList<Lease>, bool> done, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var table = await ReadAsync();
            if (done(table))
            {
                return table;
            }

            if (deadline.Elapsed >= timeout)
            {
                throw new TimeoutException($"The lease table never showed {what} within {timeout.TotalSeconds:0} s: {Describe(table)}");
            }

            await Task.Delay(ReadInterval);
        }
    }

    /// <summary>
    /// Waits until one read of the table shows every lease of <paramref name="owner"/> renewed since the read before,
    /// and answers a stopwatch started when that read before began: none of those leases was renewed before that
    /// moment, so none can be judged expired sooner than the failover time after it. A test that kills the owner
    /// right after this knows how long before the kill its leases were last renewed, instead of assuming it.
    /// </summary>
    public async Task<Stopwatch> WaitForRenewalAsync(string owner, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var before = Stopwatch.StartNew();
        var previous = (await ReadAsync()).Where(l => l.Owner == owner).ToDictionary(l => l.LeaseKey, l => (l.LeaseCounter, l.Renewals), StringComparer.Ordinal);
        while (true)
        {
            await Task.Delay(ReadInterval);
            var reading = Stopwatch.StartNew();
            var table = (await ReadAsync()).Where(l => l.Owner == owner).ToDictionary(l => l.LeaseKey, l => (l.LeaseCounter, l.Renewals), StringComparer.Ordinal);
            if (table.Count > 0 && table.All(l => previous.TryGetValue(l.Key, out var was) && was.LeaseCounter == l.Value.LeaseCounter && was.Renewals != l.Value.Renewals))
            {
                return before;
            }

            if (deadline.Elapsed >= timeout)
            {
                throw new TimeoutException($"{owner} did not renew all its leases within one read in {timeout.TotalSeconds:0} s: {Describe(await ReadAsync())}");
            }

            (previous, before) = (table, reading);
        }
    }

    /// <summary>
    /// For each lease of <paramref name="orphaned"/> (as its holder left it, or as it was when its holder was told to
    /// stop), the times on <paramref name="clock"/> when it was first seen unowned (released), when
    /// <paramref name="survivor"/> was first seen holding it, and when it had also processed a batch of it: the survivor
    /// took the shard, then processed (and checkpointed) its first batch. Waits until every shard is processed by the
    /// survivor. Meanwhile it times the survivor's lease rounds (each renews the leases it holds, so a held lease's
    /// renewal count moves once a round) and its own reads of the table, so a bound can allow for rounds that a loaded
    /// machine stretched beyond their interval.
    /// </summary>
    /// <param name="orphaned">The leases that change hands, as the test read them when their holder went.</param>
    /// <param name="survivor">The owner that must take them.</param>
    /// <param name="clock">Started when the holder went: every time answered is read from it.</param>
    /// <param name="timeout">How long the survivor has, on <paramref name="clock"/>, to process every shard.</param>
    /// <param name="processed">
    /// Whether the survivor, holding the lease as read, has processed a batch of it; by default, whether the
    /// checkpoint moved past the orphan's (right when the holder died, so its checkpoint could not move any more).
    /// </param>
    public async Task<TakeoverTimes> TimeTakeoverAsync(IReadOnlyList<Lease> orphaned, string survivor, Stopwatch clock, TimeSpan timeout, Func<Lease, bool>? processed = null)
    {
        var released = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var taken = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var done = new Dictionary<string, Takeover>(StringComparer.Ordinal);
        var left = orphaned.ToDictionary(l => l.LeaseKey, StringComparer.Ordinal);
        processed ??= lease => lease.Checkpoint != left[lease.LeaseKey].Checkpoint;
        var renewals = new Dictionary<string, (long Count, TimeSpan At)>(StringComparer.Ordinal);
        var longestRound = TimeSpan.Zero;
        var longestRead = TimeSpan.Zero;
        while (left.Count > 0)
        {
            var reading = clock.Elapsed;
            var table = await ReadAsync();
            var now = clock.Elapsed;
            longestRead = now - reading > longestRead ? now - reading : longestRead;
            foreach (var lease in table.Where(l => l.Owner == survivor && !left.ContainsKey(l.LeaseKey)))
            {
                if (renewals.TryGetValue(lease.LeaseKey, out var last) && last.Count != lease.Renewals)
                {
                    // The renewal happened between the two reads that saw the change: the interval is known to a read's span.
                    longestRound = now - last.At > longestRound ? now - last.At : longestRound;
                }

                if (!renewals.TryGetValue(lease.LeaseKey, out last) || last.Count != lease.Renewals)
                {
                    renewals[lease.LeaseKey] = (lease.Renewals, now);
                }
            }

            foreach (var lease in table.Where(l => left.ContainsKey(l.LeaseKey) && l.IsUnowned))
            {
                released.TryAdd(lease.LeaseKey, now);
            }

            foreach (var lease in table.Where(l => left.ContainsKey(l.LeaseKey) && l.Owner == survivor))
            {
                taken.TryAdd(lease.LeaseKey, now);
                if (processed(lease))
                {
                    done[lease.ShardId] = new Takeover(taken[lease.LeaseKey], now, released.TryGetValue(lease.LeaseKey, out var at) ? at : null);
                    left.Remove(lease.LeaseKey);
                }
            }

            if (left.Count > 0)
            {
                if (now >= timeout)
                {
                    throw new TimeoutException($"{survivor} did not process {string.Join(", ", left.Keys)} within {timeout.TotalSeconds:0} s: {Describe(table)}");
                }

                await Task.Delay(ReadInterval);
            }
        }

        return new TakeoverTimes(done, longestRound, longestRead);
    }

    /// <summary>One line per lease: shard, owner, counter, checkpoint (for failure messages).</summary>
    public static string Describe(IEnumerable<Lease> table) =>
        string.Join("; ", table.Select(l => $"{l.ShardId}={(l.IsUnowned ? "(unowned)" : l.Owner)}#{l.LeaseCounter}@{l.Checkpoint ?? "-"}"));
}

/// <summary>
/// When a surviving node took another node's lease, and when it had processed the shard's first batch after it; and
/// when the lease was seen unowned in between (released by a node that stopped gracefully), if it was: a survivor
/// that takes a released lease within one read of the table is never seen holding nothing.
/// </summary>
public readonly record struct Takeover(TimeSpan Taken, TimeSpan Processed, TimeSpan? Released = null);

/// <summary>
/// Every orphaned shard's <see cref="Takeover"/>, the longest time seen between two of the survivor's lease rounds
/// (zero when it held no other lease to watch), and the longest read of the table (how late a change can be seen).
/// </summary>
public sealed record TakeoverTimes(IReadOnlyDictionary<string, Takeover> Shards, TimeSpan LongestRound, TimeSpan LongestRead);
