using Game.Server.EventSources.Leases;

namespace Game.Tests.Storage;

/// <summary>
/// What every <see cref="IShardLeaseStore"/> must do, run against each technology by a subclass. Checkpoints are
/// read back from the stored row (<see cref="ITestStore.ReadCheckpointAsync"/>): the port itself has no read.
/// </summary>
public abstract class ShardLeaseStoreContract : StoreContract
{
    protected IShardLeaseStore Leases => TestStore.Leases;

    [Fact]
    public async Task Checkpoint_NoLease_IsNull()
    {
        Assert.Null(await ReadCheckpointAsync("score/motion/shardId-000000000000"));
    }

    [Fact]
    public async Task SetCheckpoint_ThenOverwrite_StoresTheLatestPerLease()
    {
        const string Lease = "score/motion/shardId-000000000001";
        const string Other = "score/motion/shardId-000000000002";
        const string First = "4962966962969606696269692960";
        const string Second = "4962966962969606696269692961";
        var lease = await Leases.AcquireLeaseAsync(Lease, "host-a", Token);
        var other = await Leases.AcquireLeaseAsync(Other, "host-a", Token);

        await Leases.SetCheckpointAsync(Lease, First, lease.LeaseCounter, Token);
        Assert.Equal(First, await ReadCheckpointAsync(Lease));

        await Leases.SetCheckpointAsync(Lease, Second, lease.LeaseCounter, Token);
        await Leases.SetCheckpointAsync(Other, "0", other.LeaseCounter, Token);

        Assert.Equal(28, Second.Length);
        Assert.Equal(Second, await ReadCheckpointAsync(Lease));
        Assert.Equal("0", await ReadCheckpointAsync(Other));
    }

    [Fact]
    public async Task AcquireLease_New_CounterOneWithoutCheckpoint()
    {
        var lease = await Leases.AcquireLeaseAsync("score/motion/shardId-000000000000", "host-a", Token);

        Assert.Equal(new Lease { LeaseKey = "score/motion/shardId-000000000000", Owner = "host-a", LeaseCounter = 1, Checkpoint = null }, lease);
    }

    [Fact]
    public async Task AcquireLease_ByAnotherOwner_BumpsCounterAndResumesFromCheckpoint()
    {
        const string Key = "score/motion/shardId-000000000000";
        var first = await Leases.AcquireLeaseAsync(Key, "host-a", Token);
        await Leases.SetCheckpointAsync(Key, "49629669629696066962", first.LeaseCounter, Token);

        var second = await Leases.AcquireLeaseAsync(Key, "host-b", Token);
        var third = await Leases.AcquireLeaseAsync(Key, "host-b", Token);

        Assert.Equal(new Lease { LeaseKey = Key, Owner = "host-b", LeaseCounter = 2, Checkpoint = "49629669629696066962" }, second);
        Assert.Equal(new Lease { LeaseKey = Key, Owner = "host-b", LeaseCounter = 3, Checkpoint = "49629669629696066962" }, third);
    }

    [Fact]
    public async Task SetCheckpoint_AfterAnotherProcessorAcquired_ThrowsLeaseLostAndKeepsTheNewHoldersCheckpoint()
    {
        const string Key = "score/motion/shardId-000000000003";
        var old = await Leases.AcquireLeaseAsync(Key, "host-a", Token);
        await Leases.SetCheckpointAsync(Key, "100", old.LeaseCounter, Token);
        var current = await Leases.AcquireLeaseAsync(Key, "host-b", Token);
        await Leases.SetCheckpointAsync(Key, "200", current.LeaseCounter, Token);

        // The old holder, still believing it owns the shard, finishes a batch and tries to move the checkpoint back.
        var lost = await Assert.ThrowsAsync<LeaseLostException>(() => Leases.SetCheckpointAsync(Key, "150", old.LeaseCounter, Token));

        Assert.Equal(Key, lost.LeaseKey);
        Assert.Equal(1, lost.LeaseCounter);
        Assert.Equal("200", await ReadCheckpointAsync(Key));
    }

    [Fact]
    public async Task SetCheckpoint_LeaseNeverAcquired_ThrowsLeaseLostAndWritesNothing()
    {
        await Assert.ThrowsAsync<LeaseLostException>(() => Leases.SetCheckpointAsync("score/motion/shardId-000000000004", "7", 1, Token));

        Assert.Null(await ReadCheckpointAsync("score/motion/shardId-000000000004"));
    }

    [Fact]
    public async Task AcquireLease_EightProcessorsAtOnce_EachGetsItsOwnCounterAndOnlyTheLastMayCheckpoint()
    {
        const string Key = "score/motion/shardId-000000000005";
        var leases = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Leases.AcquireLeaseAsync(Key, $"host-{i}", Token))));

        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), leases.Select(l => l.LeaseCounter).Order());
        var winner = leases.Single(l => l.LeaseCounter == 8);
        foreach (var loser in leases.Where(l => l != winner))
        {
            await Assert.ThrowsAsync<LeaseLostException>(() => Leases.SetCheckpointAsync(Key, "1", loser.LeaseCounter, Token));
        }

        await Leases.SetCheckpointAsync(Key, "2", winner.LeaseCounter, Token);
        Assert.Equal("2", await ReadCheckpointAsync(Key));
    }

    private Task<string?> ReadCheckpointAsync(string leaseKey) => TestStore.ReadCheckpointAsync(leaseKey, Token);
}
