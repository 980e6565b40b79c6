namespace Game.Server.EventSources.Leases;

/// <summary>What one node should take in one round: expired or unowned leases, and at most one to steal.</summary>
/// <param name="Take">Leases nobody holds any more (unowned, expired, or this node's own from before a restart), as seen: take each with its counter.</param>
/// <param name="Steal">One lease of the busiest node, when this node has fewer than its fair share and nothing expired to take.</param>
public sealed record LeasePlan(IReadOnlyList<Lease> Take, Lease? Steal)
{
    public static readonly LeasePlan Nothing = new([], null);
}

/// <summary>
/// The KCL's lease taker as pure logic: watches the lease table across scans and decides which leases this node
/// takes. No I/O and no clock of its own: the caller passes the table it read and its own monotonic time.
/// </summary>
/// <remarks>
/// <para><b>Expiry by observation.</b> A lease is expired when its owner, counter and renewals stayed the same for
/// the failover time on this node's clock, never by comparing timestamps written by other nodes: clocks across
/// nodes need not agree. A lease first seen owned counts as renewed at that moment; a lease first seen unowned is
/// expired at once (a fresh table is taken without waiting).</para>
/// <para><b>Fair share.</b> The live owners are those of unexpired leases, plus this node. Each should hold
/// ⌈leases ÷ owners⌉ (finished shards, <see cref="Lease.ShardEnd"/>, do not count). Below that, a node takes
/// expired leases, up to its share at once; when none are expired it steals one lease from the busiest owner if
/// that owner holds more than the share (or exactly the share while this node is short of more than one), one per
/// round so leases do not thrash.</para>
/// <para><b>Exclusive.</b> For a stream only this node can read (the embedded stream), sharing its shards makes
/// no sense: the balancer then takes every lease it does not hold once, whoever holds it, as a reader's
/// acquisition always did, and never again after losing it (the later node wins; the fence stops the other).</para>
/// </remarks>
public sealed class LeaseBalancer(string owner, TimeSpan failover, bool exclusive = false)
{
    private readonly Dictionary<string, Seen> _seen = new(StringComparer.Ordinal);
    private readonly HashSet<string> _claimed = new(StringComparer.Ordinal);

    /// <summary>
    /// Records a scan of the table made at <paramref name="now"/> and answers what to take.
    /// </summary>
    /// <param name="table">Every lease of the mapping, as just read.</param>
    /// <param name="held">The leases this node holds now (its running or waiting readers).</param>
    /// <param name="now">This node's monotonic time (any origin; only differences count).</param>
    public LeasePlan Plan(IReadOnlyList<Lease> table, IReadOnlySet<string> held, TimeSpan now)
    {
        Observe(table, now);
        var live = table.Where(l => !l.IsShardEnded).ToList();
        if (live.Count == 0)
        {
            return LeasePlan.Nothing;
        }

        if (exclusive)
        {
            var claim = live.Where(l => !held.Contains(l.LeaseKey) && _claimed.Add(l.LeaseKey)).ToList();
            return claim.Count == 0 ? LeasePlan.Nothing : new LeasePlan(claim, null);
        }

        var expired = live.Where(l => !held.Contains(l.LeaseKey) && IsExpired(l, now)).ToList();
        var owners = live
            .Where(l => !l.IsUnowned && l.Owner != owner && !IsExpired(l, now))
            .GroupBy(l => l.Owner, StringComparer.Ordinal)
            .Select(g => (Owner: g.Key, Leases: g.OrderBy(l => l.LeaseKey, StringComparer.Ordinal).ToList()))
            .ToList();
        var workers = owners.Count + 1;
        var target = workers >= live.Count ? 1 : (live.Count + workers - 1) / workers;
        var mine = live.Count(l => held.Contains(l.LeaseKey));
        var missing = target - mine;
        if (missing <= 0)
        {
            return LeasePlan.Nothing;
        }

        if (expired.Count > 0)
        {
            return new LeasePlan(expired.Take(missing).ToList(), null);
        }

        var busiest = owners
            .OrderByDescending(o => o.Leases.Count)
            .ThenBy(o => o.Owner, StringComparer.Ordinal)
            .FirstOrDefault();
        var steal = busiest.Leases is { } leases && (leases.Count > target || (leases.Count == target && missing > 1));
        return steal ? new LeasePlan([], busiest.Leases[0]) : LeasePlan.Nothing;
    }

    /// <summary>
    /// Records a scan of the table made at <paramref name="now"/> and answers the leases nobody reads any more:
    /// unowned, expired, or this node's own; for an exclusive stream, every lease (no other node reads it).
    /// </summary>
    public IReadOnlyList<Lease> Abandoned(IReadOnlyList<Lease> table, TimeSpan now)
    {
        Observe(table, now);
        return exclusive ? table.ToList() : table.Where(l => IsExpired(l, now)).ToList();
    }

    /// <summary>Whether <paramref name="lease"/>, which this node does not hold, counts as expired at <paramref name="now"/>, given what was observed so far.</summary>
    public bool IsExpired(Lease lease, TimeSpan now) =>
        lease.IsUnowned
        // Ours from before a restart (the owner id is stable per data directory): nobody renews it any more.
        || lease.Owner == owner
        || (_seen.TryGetValue(lease.LeaseKey, out var seen) && now - seen.Since >= failover);

    private void Observe(IReadOnlyList<Lease> table, TimeSpan now)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var lease in table)
        {
            keys.Add(lease.LeaseKey);
            var state = (lease.Owner, lease.LeaseCounter, lease.Renewals);
            if (!_seen.TryGetValue(lease.LeaseKey, out var seen) || seen.State != state)
            {
                _seen[lease.LeaseKey] = new Seen(state, now);
            }
        }

        foreach (var gone in _seen.Keys.Where(k => !keys.Contains(k)).ToList())
        {
            _seen.Remove(gone);
        }
    }

    private readonly record struct Seen((string Owner, long Counter, long Renewals) State, TimeSpan Since);
}
