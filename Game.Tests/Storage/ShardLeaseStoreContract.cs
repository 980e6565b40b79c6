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

    [Fact]
    public async Task CreateLeaseIfMissing_New_UnownedAtCounterZeroWithItsParents()
    {
        const string Key = "score/motion/shardId-000000000009";

        Assert.True(await Leases.CreateLeaseIfMissingAsync(Key, ["shardId-000000000001", "shardId-000000000002"], Token));

        var lease = Assert.Single(await Leases.ListLeasesAsync("score/motion/", Token));
        Assert.Equal(new Lease { LeaseKey = Key, ParentShardIds = ["shardId-000000000001", "shardId-000000000002"] }, lease);
        Assert.True(lease.IsUnowned);
        Assert.Equal("shardId-000000000009", lease.ShardId);
    }

    [Fact]
    public async Task CreateLeaseIfMissing_Existing_LeavesOwnerCounterAndCheckpoint()
    {
        const string Key = "score/motion/shardId-000000000000";
        var held = await Leases.AcquireLeaseAsync(Key, "host-a", Token);
        await Leases.SetCheckpointAsync(Key, "42", held.LeaseCounter, Token);

        Assert.False(await Leases.CreateLeaseIfMissingAsync(Key, ["shardId-000000000005"], Token));

        Assert.Equal([new Lease { LeaseKey = Key, Owner = "host-a", LeaseCounter = 1, Checkpoint = "42" }], await Leases.ListLeasesAsync("score/", Token));
    }

    [Fact]
    public async Task ListLeases_SeveralMappings_AnswersOnlyThePrefixInKeyOrder()
    {
        await Leases.CreateLeaseIfMissingAsync("score/motion/shardId-000000000001", [], Token);
        await Leases.CreateLeaseIfMissingAsync("rank/motion/shardId-000000000000", [], Token);
        await Leases.CreateLeaseIfMissingAsync("score/motion/shardId-000000000000", [], Token);
        await Leases.CreateLeaseIfMissingAsync("score/motion2/shardId-000000000000", [], Token);

        var listed = await Leases.ListLeasesAsync("score/motion/", Token);

        Assert.Equal(["score/motion/shardId-000000000000", "score/motion/shardId-000000000001"], listed.Select(l => l.LeaseKey));
    }

    [Fact]
    public async Task TakeLease_CounterAsSeen_TakesItBumpsTheCounterAndKeepsTheCheckpoint()
    {
        const string Key = "score/motion/shardId-000000000000";
        var old = await Leases.AcquireLeaseAsync(Key, "host-a", Token);
        await Leases.SetCheckpointAsync(Key, "77", old.LeaseCounter, Token);

        var taken = await Leases.TakeLeaseAsync(Key, "host-b", expectedCounter: 1, Token);

        Assert.Equal(new Lease { LeaseKey = Key, Owner = "host-b", LeaseCounter = 2, Checkpoint = "77" }, taken);
        await Assert.ThrowsAsync<LeaseLostException>(() => Leases.SetCheckpointAsync(Key, "78", old.LeaseCounter, Token));
        Assert.False(await Leases.RenewLeaseAsync(Key, "host-a", old.LeaseCounter, Token));
    }

    [Fact]
    public async Task TakeLease_CounterMovedSinceSeen_AnswersNullAndWritesNothing()
    {
        const string Key = "score/motion/shardId-000000000000";
        await Leases.CreateLeaseIfMissingAsync(Key, [], Token);
        await Leases.TakeLeaseAsync(Key, "host-a", 0, Token);

        Assert.Null(await Leases.TakeLeaseAsync(Key, "host-b", expectedCounter: 0, Token));
        Assert.Null(await Leases.TakeLeaseAsync("score/motion/shardId-000000000099", "host-b", expectedCounter: 0, Token));

        Assert.Equal([new Lease { LeaseKey = Key, Owner = "host-a", LeaseCounter = 1 }], await Leases.ListLeasesAsync("score/", Token));
    }

    [Fact]
    public async Task TakeLease_EightTakersAtOnceOnOneCounter_ExactlyOneWins()
    {
        const string Key = "score/motion/shardId-000000000000";
        await Leases.CreateLeaseIfMissingAsync(Key, [], Token);

        var taken = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Leases.TakeLeaseAsync(Key, $"host-{i}", 0, Token))));

        var winner = Assert.Single(taken, t => t is not null)!;
        Assert.Equal(1, winner.LeaseCounter);
        Assert.Equal([winner], await Leases.ListLeasesAsync("score/", Token));
    }

    [Fact]
    public async Task RenewLease_ByTheHolder_BumpsRenewalsAndKeepsTheFence()
    {
        const string Key = "score/motion/shardId-000000000000";
        var held = await Leases.AcquireLeaseAsync(Key, "host-a", Token);

        Assert.True(await Leases.RenewLeaseAsync(Key, "host-a", held.LeaseCounter, Token));
        Assert.True(await Leases.RenewLeaseAsync(Key, "host-a", held.LeaseCounter, Token));
        await Leases.SetCheckpointAsync(Key, "5", held.LeaseCounter, Token);

        Assert.Equal([held with { Renewals = 2, Checkpoint = "5" }], await Leases.ListLeasesAsync("score/", Token));
    }

    [Fact]
    public async Task RenewLease_ByAnotherOwnerOrWithAnOldCounter_RefusedAndWritesNothing()
    {
        const string Key = "score/motion/shardId-000000000000";
        await Leases.AcquireLeaseAsync(Key, "host-a", Token);
        var current = await Leases.AcquireLeaseAsync(Key, "host-a", Token);

        Assert.False(await Leases.RenewLeaseAsync(Key, "host-b", current.LeaseCounter, Token));
        Assert.False(await Leases.RenewLeaseAsync(Key, "host-a", current.LeaseCounter - 1, Token));
        Assert.False(await Leases.RenewLeaseAsync("score/motion/shardId-000000000099", "host-a", 1, Token));

        Assert.Equal([current], await Leases.ListLeasesAsync("score/", Token));
    }

    [Fact]
    public async Task ReleaseLease_ByTheHolder_ClearsTheOwnerBumpsTheCounterKeepsTheCheckpoint()
    {
        const string Key = "score/motion/shardId-000000000000";
        var held = await Leases.AcquireLeaseAsync(Key, "host-a", Token);
        await Leases.SetCheckpointAsync(Key, "900", held.LeaseCounter, Token);

        Assert.True(await Leases.ReleaseLeaseAsync(Key, "host-a", held.LeaseCounter, Token));

        var released = Assert.Single(await Leases.ListLeasesAsync("score/", Token));
        Assert.Equal(new Lease { LeaseKey = Key, Owner = "", LeaseCounter = 2, Checkpoint = "900" }, released);
        await Assert.ThrowsAsync<LeaseLostException>(() => Leases.SetCheckpointAsync(Key, "901", held.LeaseCounter, Token));
        Assert.Equal(new Lease { LeaseKey = Key, Owner = "host-b", LeaseCounter = 3, Checkpoint = "900" }, await Leases.TakeLeaseAsync(Key, "host-b", 2, Token));
    }

    [Fact]
    public async Task ReleaseLease_NotTheHolder_RefusedAndWritesNothing()
    {
        const string Key = "score/motion/shardId-000000000000";
        var held = await Leases.AcquireLeaseAsync(Key, "host-a", Token);

        Assert.False(await Leases.ReleaseLeaseAsync(Key, "host-b", held.LeaseCounter, Token));
        Assert.False(await Leases.ReleaseLeaseAsync(Key, "host-a", held.LeaseCounter + 1, Token));

        Assert.Equal([held], await Leases.ListLeasesAsync("score/", Token));
    }

    [Fact]
    public async Task SetCheckpoint_ShardEnd_ReadsBackAsFinished()
    {
        const string Key = "score/motion/shardId-000000000000";
        var held = await Leases.AcquireLeaseAsync(Key, "host-a", Token);

        await Leases.SetCheckpointAsync(Key, Lease.ShardEnd, held.LeaseCounter, Token);

        Assert.True(Assert.Single(await Leases.ListLeasesAsync("score/", Token)).IsShardEnded);
    }

    [Fact]
    public async Task DeleteFinishedLease_FinishedAtTheCounterSeen_DeletesTheRowOnce()
    {
        const string Key = "score/motion/shardId-000000000000";
        var held = await Leases.AcquireLeaseAsync(Key, "host-a", Token);
        await Leases.SetCheckpointAsync(Key, Lease.ShardEnd, held.LeaseCounter, Token);
        Assert.True(await Leases.ReleaseLeaseAsync(Key, "host-a", held.LeaseCounter, Token));

        Assert.True(await Leases.DeleteFinishedLeaseAsync(Key, held.LeaseCounter + 1, Token));
        Assert.False(await Leases.DeleteFinishedLeaseAsync(Key, held.LeaseCounter + 1, Token));

        Assert.Empty(await Leases.ListLeasesAsync("score/", Token));
    }

    [Fact]
    public async Task DeleteFinishedLease_NotFinishedOrCounterMoved_RefusedAndKeepsTheRow()
    {
        const string Reading = "score/motion/shardId-000000000000";
        const string Finished = "score/motion/shardId-000000000001";
        var reading = await Leases.AcquireLeaseAsync(Reading, "host-a", Token);
        await Leases.SetCheckpointAsync(Reading, "900", reading.LeaseCounter, Token);
        var finished = await Leases.AcquireLeaseAsync(Finished, "host-a", Token);
        await Leases.SetCheckpointAsync(Finished, Lease.ShardEnd, finished.LeaseCounter, Token);

        Assert.False(await Leases.DeleteFinishedLeaseAsync(Reading, reading.LeaseCounter, Token));
        Assert.False(await Leases.DeleteFinishedLeaseAsync(Finished, finished.LeaseCounter - 1, Token));

        Assert.Equal([Reading, Finished], (await Leases.ListLeasesAsync("score/", Token)).Select(l => l.LeaseKey));
    }

    [Fact]
    public async Task DeleteLease_ByTheHolderAtItsCounter_DeletesTheRowAndItsCheckpointOnce()
    {
        const string Key = "score/motion/shardId-000000000000";
        var held = await Leases.AcquireLeaseAsync(Key, "host-a", Token);
        await Leases.SetCheckpointAsync(Key, "900", held.LeaseCounter, Token);

        Assert.True(await Leases.DeleteLeaseAsync(Key, "host-a", held.LeaseCounter, Token));
        Assert.False(await Leases.DeleteLeaseAsync(Key, "host-a", held.LeaseCounter, Token));

        Assert.Empty(await Leases.ListLeasesAsync("score/", Token));
        Assert.Null(await ReadCheckpointAsync(Key));
        // The old holder's next checkpoint is refused: it cannot write the row back.
        await Assert.ThrowsAsync<LeaseLostException>(() => Leases.SetCheckpointAsync(Key, "901", held.LeaseCounter, Token));
        Assert.Empty(await Leases.ListLeasesAsync("score/", Token));
    }

    [Fact]
    public async Task DeleteLease_UnownedAtTheCounterSeen_DeletesReleasedAndNeverTakenRows()
    {
        const string Released = "score/motion/shardId-000000000000";
        const string Created = "score/motion/shardId-000000000001";
        var held = await Leases.AcquireLeaseAsync(Released, "host-a", Token);
        await Leases.SetCheckpointAsync(Released, "900", held.LeaseCounter, Token);
        Assert.True(await Leases.ReleaseLeaseAsync(Released, "host-a", held.LeaseCounter, Token));
        Assert.True(await Leases.CreateLeaseIfMissingAsync(Created, [], Token));

        Assert.True(await Leases.DeleteLeaseAsync(Released, "", held.LeaseCounter + 1, Token));
        Assert.True(await Leases.DeleteLeaseAsync(Created, "", 0, Token));

        Assert.Empty(await Leases.ListLeasesAsync("score/", Token));
    }

    [Fact]
    public async Task DeleteLease_OwnerOrCounterMovedSinceRead_RefusedAndKeepsTheRow()
    {
        const string Taken = "score/motion/shardId-000000000000";
        const string Held = "score/motion/shardId-000000000001";
        // Read unowned at counter 0, then taken by a reader: the delete must not take its row away.
        Assert.True(await Leases.CreateLeaseIfMissingAsync(Taken, [], Token));
        var taken = await Leases.TakeLeaseAsync(Taken, "host-b", 0, Token);
        await Leases.SetCheckpointAsync(Taken, "700", taken!.LeaseCounter, Token);
        // Held by host-a: neither another owner, nor an old counter, nor "unowned" deletes it.
        var old = await Leases.AcquireLeaseAsync(Held, "host-a", Token);
        var held = await Leases.AcquireLeaseAsync(Held, "host-a", Token);

        Assert.False(await Leases.DeleteLeaseAsync(Taken, "", 0, Token));
        Assert.False(await Leases.DeleteLeaseAsync(Taken, "", taken.LeaseCounter, Token));
        Assert.False(await Leases.DeleteLeaseAsync(Held, "host-b", held.LeaseCounter, Token));
        Assert.False(await Leases.DeleteLeaseAsync(Held, "host-a", old.LeaseCounter, Token));
        Assert.False(await Leases.DeleteLeaseAsync("score/motion/shardId-000000000099", "", 0, Token));

        Assert.Equal(
            [taken with { Checkpoint = "700" }, held],
            await Leases.ListLeasesAsync("score/", Token));
    }

    [Fact]
    public async Task DeleteLease_OneMappingsRows_LeavesOtherPrefixesAlone()
    {
        await Leases.CreateLeaseIfMissingAsync("score/motion/shardId-000000000000", [], Token);
        await Leases.CreateLeaseIfMissingAsync("score/motion2/shardId-000000000000", [], Token);
        var other = await Leases.AcquireLeaseAsync("rank/motion/shardId-000000000000", "host-a", Token);

        foreach (var lease in await Leases.ListLeasesAsync("score/motion/", Token))
        {
            Assert.True(await Leases.DeleteLeaseAsync(lease.LeaseKey, lease.Owner, lease.LeaseCounter, Token));
        }

        Assert.Empty(await Leases.ListLeasesAsync("score/motion/", Token));
        Assert.Equal(["score/motion2/shardId-000000000000"], (await Leases.ListLeasesAsync("score/", Token)).Select(l => l.LeaseKey));
        Assert.Equal([other], await Leases.ListLeasesAsync("rank/", Token));
    }

    private Task<string?> ReadCheckpointAsync(string leaseKey) => TestStore.ReadCheckpointAsync(leaseKey, Token);
}
