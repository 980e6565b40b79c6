using Game.Server.EventSources.Leases;

namespace Game.Tests.EventSources.Leases;

/// <summary>The lease taker's decisions from table snapshots on this node's own clock: take, expire, steal, ignore.</summary>
public sealed class LeaseBalancerTests
{
    private static readonly TimeSpan Failover = TimeSpan.FromSeconds(10);
    private static readonly HashSet<string> None = [];

    private readonly LeaseBalancer _me = new("me", Failover);

    private static Lease L(int shard, string owner = "", long counter = 0, long renewals = 0, string? checkpoint = null) => new()
    {
        LeaseKey = $"fn/s/shardId-{shard:D12}",
        Owner = owner,
        LeaseCounter = counter,
        Renewals = renewals,
        Checkpoint = checkpoint,
    };

    private static TimeSpan At(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void Plan_FreshTable_TakesEveryLeaseAtOnce()
    {
        Lease[] table = [L(0), L(1), L(2), L(3)];

        var plan = _me.Plan(table, None, At(0));

        Assert.Equal(table, plan.Take);
        Assert.Null(plan.Steal);
    }

    [Fact]
    public void Plan_OtherNodeRenewing_NeverExpiresButLosesOneLeaseAtATimeToTheFairShare()
    {
        Lease[] table = [L(0, "b", 1), L(1, "b", 1), L(2, "b", 1), L(3, "b", 1)];

        var first = _me.Plan(table, None, At(0));
        var renewed = _me.Plan([.. table.Select(l => l with { Renewals = 5 })], None, At(9.9));

        Assert.Empty(first.Take);
        Assert.Equal(table[0], first.Steal);
        Assert.Empty(renewed.Take);
        Assert.Equal(table[0] with { Renewals = 5 }, renewed.Steal);
    }

    [Fact]
    public void Plan_OtherNodeSilentForTheFailoverTime_TakesAllItsLeases()
    {
        Lease[] table = [L(0, "b", 3, renewals: 7), L(1, "b", 3, renewals: 7)];

        var seen = _me.Plan(table, None, At(0));
        var before = _me.Plan(table, None, At(9.99));
        var after = _me.Plan(table, None, At(10));

        Assert.Equal(table[0], seen.Steal);
        Assert.Equal(table[0], before.Steal);
        Assert.Equal(table, after.Take);
    }

    [Fact]
    public void Plan_ShareReached_TakesAndStealsNothing()
    {
        Lease[] table = [L(0, "me", 1), L(1, "me", 1), L(2, "b", 1), L(3, "b", 1)];

        var plan = _me.Plan(table, new HashSet<string> { table[0].LeaseKey, table[1].LeaseKey }, At(0));

        Assert.Same(LeasePlan.Nothing, plan);
    }

    [Fact]
    public void Plan_OddCountOneShort_DoesNotStealFromANodeAtItsShare()
    {
        // 3 leases, 2 nodes: the share is 2; b holds exactly 2 and this node 1, so moving one would only swap roles.
        Lease[] table = [L(0, "me", 1), L(1, "b", 1), L(2, "b", 1)];

        Assert.Same(LeasePlan.Nothing, _me.Plan(table, new HashSet<string> { table[0].LeaseKey }, At(0)));
    }

    [Fact]
    public void Plan_ThreeNodes_StealsFromTheBusiestOnly()
    {
        Lease[] table = [L(0, "b", 1), L(1, "b", 1), L(2, "c", 1), L(3, "c", 1), L(4, "c", 1), L(5, "c", 1)];

        var plan = _me.Plan(table, None, At(0));

        Assert.Equal(table[2], plan.Steal);
    }

    [Fact]
    public void Plan_OwnLeaseFromBeforeARestart_TakesItAtOnce()
    {
        Lease[] table = [L(0, "me", 4, renewals: 100), L(1, "me", 4, renewals: 100)];

        Assert.Equal(table, _me.Plan(table, None, At(0)).Take);
    }

    [Fact]
    public void Plan_FinishedShards_NeitherTakenNorCounted()
    {
        Lease[] table = [L(0, checkpoint: Lease.ShardEnd), L(1, checkpoint: Lease.ShardEnd), L(2, "b", 1), L(3)];

        var plan = _me.Plan(table, None, At(0));

        // Two live leases, two nodes: a share of one, taken from the unowned lease.
        Assert.Equal([table[3]], plan.Take);
    }

    [Fact]
    public void Plan_ExpiredLeasesBeyondTheShare_TakesOnlyUpToTheShare()
    {
        Lease[] table = [L(0, "me", 1), L(1), L(2), L(3), L(4, "b", 1), L(5, "b", 1)];

        // Six leases, two nodes (b renews): a share of three; this node holds one already.
        var plan = _me.Plan(table, new HashSet<string> { table[0].LeaseKey }, At(0));

        Assert.Equal([table[1], table[2]], plan.Take);
    }

    [Fact]
    public void Plan_Exclusive_TakesEveryLeaseFromALiveNodeOnceAndNeverAgain()
    {
        var exclusive = new LeaseBalancer("me", Failover, exclusive: true);
        Lease[] table = [L(0, "b", 1), L(1, "b", 1), L(2, checkpoint: Lease.ShardEnd)];

        var first = exclusive.Plan(table, None, At(0));
        var afterLosingThem = exclusive.Plan([L(0, "b", 3), L(1, "b", 3)], None, At(100));

        Assert.Equal([table[0], table[1]], first.Take);
        Assert.Null(first.Steal);
        Assert.Same(LeasePlan.Nothing, afterLosingThem);
    }
}
