using Game.Server.EventSources;
using Game.Server.EventSources.Leases;
using Game.Server.EventSources.Sources;
using Game.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.EventSources.Leases;

/// <summary>
/// Two nodes' coordinators on one real lease table (the embedded store's file) and fake time, with a scripted
/// list of shards: the split, abrupt and graceful takeover, and parent-before-child. Coordinator level: no
/// readers run; the tests play their part (checkpoint SHARD_END, report a reader's end).
/// </summary>
public sealed class LeaseCoordinatorTests : IAsyncLifetime
{
    private const string Prefix = "score/motion/";
    private static readonly LeaseOptions Options = new() { FailoverSeconds = 10 };

    private static readonly SourceShard[] FourShards =
    [
        new("shardId-000000000000", []), new("shardId-000000000001", []),
        new("shardId-000000000002", []), new("shardId-000000000003", []),
    ];

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private SqliteTestStore _store = null!;

    public async Task InitializeAsync() => _store = await SqliteTestStore.CreateTemporaryAsync(CancellationToken.None);

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private LeaseCoordinator Node(string owner, bool exclusive = false) => new(Prefix, owner, _store.Leases, Options, _time, NullLogger.Instance, exclusive);

    private static string[] Shards(LeaseCoordinator node) => node.Held.Select(l => l.ShardId).Order(StringComparer.Ordinal).ToArray();

    /// <summary>One round on every node given, then time moves on by the renewal interval.</summary>
    private async Task RoundAsync(IReadOnlyList<SourceShard> shards, params LeaseCoordinator[] nodes)
    {
        foreach (var node in nodes)
        {
            await node.SyncAsync(shards, CancellationToken.None);
        }

        _time.Advance(Options.RenewInterval);
    }

    [Fact]
    public async Task Sync_SingleNodeOnAFreshTable_TakesAndStartsEveryShardInTheFirstRound()
    {
        var a = Node("a");

        var changes = await a.SyncAsync(FourShards, CancellationToken.None);

        Assert.Equal(FourShards.Select(s => s.ShardId), changes.Start.Select(l => l.ShardId));
        Assert.All(changes.Start, l => Assert.Equal(1, l.LeaseCounter));
        Assert.Empty(changes.Stop);
    }

    [Fact]
    public async Task Sync_SecondNodeJoins_StealsOneLeasePerRoundUntilTwoEachThenStays()
    {
        var a = Node("a");
        var b = Node("b");
        await RoundAsync(FourShards, a);

        await RoundAsync(FourShards, b, a);
        Assert.Equal(["shardId-000000000000"], Shards(b));
        Assert.Equal(["shardId-000000000001", "shardId-000000000002", "shardId-000000000003"], Shards(a));

        await RoundAsync(FourShards, b, a);
        for (var i = 0; i < 6; i++)
        {
            await RoundAsync(FourShards, a, b);
        }

        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], Shards(b));
        Assert.Equal(["shardId-000000000002", "shardId-000000000003"], Shards(a));
    }

    [Fact]
    public async Task Sync_LeaseStolen_TheOldHoldersNextRoundAnswersStop()
    {
        var a = Node("a");
        var b = Node("b");
        await RoundAsync(FourShards, a);
        await RoundAsync(FourShards, b);

        var changes = await a.SyncAsync(FourShards, CancellationToken.None);

        var lost = Assert.Single(changes.Stop);
        Assert.Equal(new Lease { LeaseKey = Prefix + "shardId-000000000000", Owner = "a", LeaseCounter = 1 }, lost);
        Assert.DoesNotContain("shardId-000000000000", Shards(a));
    }

    [Fact]
    public async Task Sync_NodeStopsAbruptly_TheOtherTakesItsShardsWithinFailoverPlusOneRound()
    {
        var a = Node("a");
        var b = Node("b");
        await RoundAsync(FourShards, a);
        for (var i = 0; i < 4; i++)
        {
            await RoundAsync(FourShards, a, b);
        }

        Assert.Equal(2, Shards(b).Length);

        // a dies: no release, no more renewals. b keeps its rounds.
        var died = _time.GetTimestamp();
        while (Shards(b).Length < 4)
        {
            Assert.True(_time.GetElapsedTime(died) <= Options.Failover + Options.RenewInterval, $"b holds {Shards(b).Length} after {_time.GetElapsedTime(died)}");
            await RoundAsync(FourShards, b);
        }

        var takeover = _time.GetElapsedTime(died);
        Assert.InRange(takeover, Options.Failover, Options.Failover + Options.RenewInterval);
        Assert.All(await _store.Leases.ListLeasesAsync(Prefix, CancellationToken.None), l => Assert.Equal("b", l.Owner));
    }

    [Fact]
    public async Task ReleaseAll_GracefulStop_TheOtherTakesEveryShardInItsNextRound()
    {
        var a = Node("a");
        var b = Node("b");
        await RoundAsync(FourShards, a);
        for (var i = 0; i < 4; i++)
        {
            await RoundAsync(FourShards, a, b);
        }

        await a.ReleaseAllAsync(CancellationToken.None);
        var changes = await b.SyncAsync(FourShards, CancellationToken.None);

        Assert.Empty(a.Held);
        Assert.Equal(2, changes.Start.Count);
        Assert.Equal(FourShards.Select(s => s.ShardId), Shards(b));
    }

    [Fact]
    public async Task DeleteAll_MappingDeleted_DeletesTheHeldRowsButNotOneAnotherNodeTookSince()
    {
        var a = Node("a");
        await RoundAsync(FourShards, a);
        var taken = await _store.Leases.TakeLeaseAsync(Prefix + "shardId-000000000000", "b", 1, CancellationToken.None);

        await a.DeleteAllAsync(CancellationToken.None);

        Assert.Empty(a.Held);
        Assert.Equal([taken!], await _store.Leases.ListLeasesAsync(Prefix, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteAbandoned_ANodeStillReadsTheDeletedMapping_DeletesOnlyFreeRowsUntilThatNodeDeletesItsOwn()
    {
        var a = Node("a");
        var b = Node("b");
        await RoundAsync(FourShards, a);
        await _store.Leases.CreateLeaseIfMissingAsync(Prefix + "shardId-000000000004", [], CancellationToken.None);

        Assert.False(await b.DeleteAbandonedAsync(CancellationToken.None));
        Assert.Equal(FourShards.Select(s => s.ShardId), await RowsAsync());

        // a applies the deletion within the failover time: its own rows go, and with them the last of the mapping.
        _time.Advance(Options.RenewInterval);
        await a.DeleteAllAsync(CancellationToken.None);
        Assert.True(await b.DeleteAbandonedAsync(CancellationToken.None));
        Assert.Empty(await RowsAsync());
    }

    [Fact]
    public async Task DeleteAbandoned_ANodeDiedHoldingRows_DeletesThemOnceTheyExpire()
    {
        var a = Node("a");
        var b = Node("b");
        await RoundAsync(FourShards, a);

        Assert.False(await b.DeleteAbandonedAsync(CancellationToken.None));
        _time.Advance(Options.Failover - TimeSpan.FromSeconds(1));
        Assert.False(await b.DeleteAbandonedAsync(CancellationToken.None));
        Assert.Equal(FourShards.Select(s => s.ShardId), await RowsAsync());

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await b.DeleteAbandonedAsync(CancellationToken.None));
        Assert.Empty(await RowsAsync());
    }

    [Fact]
    public async Task Sync_RoundBetweenTheReleasesOfAStoppingNode_AsksForAFollowUpRoundThatTakesTheRest()
    {
        var a = Node("a");
        var b = Node("b");
        await RoundAsync(FourShards, a);
        for (var i = 0; i < 4; i++)
        {
            await RoundAsync(FourShards, a, b);
        }

        var leaving = a.Held.OrderBy(l => l.LeaseKey, StringComparer.Ordinal).ToList();
        Assert.Equal(2, leaving.Count);

        // a's graceful stop releases its leases one after the other, and b's round reads the table in between.
        Assert.True(await _store.Leases.ReleaseLeaseAsync(leaving[0].LeaseKey, "a", leaving[0].LeaseCounter, CancellationToken.None));
        var between = await b.SyncAsync(FourShards, CancellationToken.None);
        Assert.True(await _store.Leases.ReleaseLeaseAsync(leaving[1].LeaseKey, "a", leaving[1].LeaseCounter, CancellationToken.None));
        _time.Advance(LeaseCoordinator.FollowUpInterval);
        var followUp = await b.SyncAsync(FourShards, CancellationToken.None);

        // While a still holds one, b is at its share of two and takes nothing; but it looks again soon, not a round later.
        Assert.Empty(between.Start);
        Assert.True(between.FollowUpSoon);
        Assert.Equal(leaving.Select(l => l.ShardId), followUp.Start.Select(l => l.ShardId));
        Assert.Equal(FourShards.Select(s => s.ShardId), Shards(b));
        Assert.False(followUp.FollowUpSoon);
    }

    [Fact]
    public async Task Sync_AFreeLeaseItDoesNotTakeStaysFree_AsksForOneFollowUpRoundNotOneEveryRound()
    {
        var a = Node("a");
        var b = Node("b");
        await RoundAsync(FourShards, a);
        for (var i = 0; i < 4; i++)
        {
            await RoundAsync(FourShards, a, b);
        }

        // One of a's leases is free while a, alive, holds the other: b at its share leaves it to a node below its own.
        var released = a.Held.OrderBy(l => l.LeaseKey, StringComparer.Ordinal).First();
        Assert.True(await _store.Leases.ReleaseLeaseAsync(released.LeaseKey, "a", released.LeaseCounter, CancellationToken.None));
        var first = await b.SyncAsync(FourShards, CancellationToken.None);
        _time.Advance(LeaseCoordinator.FollowUpInterval);
        var second = await b.SyncAsync(FourShards, CancellationToken.None);

        Assert.True(first.FollowUpSoon);
        Assert.False(second.FollowUpSoon);
        Assert.Equal(2, Shards(b).Length);
    }

    [Fact]
    public async Task Sync_ChildShard_StartsOnlyAfterItsParentsLeaseReadsShardEnd()
    {
        SourceShard[] shards =
        [
            new("shardId-000000000000", []),
            new("shardId-000000000001", []),
            new("shardId-000000000002", ["shardId-000000000000", "shardId-000000000001"]),
        ];
        var a = Node("a");

        var first = await a.SyncAsync(shards, CancellationToken.None);
        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], first.Start.Select(l => l.ShardId));
        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], (await _store.Leases.ListLeasesAsync(Prefix, CancellationToken.None))[2].ParentShardIds);

        // One parent finishes (its reader checkpoints SHARD_END and ends): the child still waits for the other.
        await FinishAsync(a, first.Start[0]);
        Assert.Empty((await a.SyncAsync(shards, CancellationToken.None)).Start);

        await FinishAsync(a, first.Start[1]);
        var child = await a.SyncAsync(shards, CancellationToken.None);

        Assert.Equal(["shardId-000000000002"], child.Start.Select(l => l.ShardId));
        Assert.Equal(["shardId-000000000002"], Shards(a));
    }

    [Fact]
    public async Task Sync_ParentFinishedAndEveryChildCheckpointed_DeletesTheParentsRowAndNeverWritesItAgain()
    {
        SourceShard[] split =
        [
            new("shardId-000000000000", []),
            new("shardId-000000000001", ["shardId-000000000000"]),
            new("shardId-000000000002", ["shardId-000000000000"]),
        ];
        var a = Node("a");
        var b = Node("b");
        var parent = Assert.Single((await a.SyncAsync(split, CancellationToken.None)).Start);
        await FinishAsync(a, parent);
        var children = (await a.SyncAsync(split, CancellationToken.None)).Start;
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], children.Select(l => l.ShardId));

        // One child has checkpointed, the other not yet: the parent's row stays (a new holder of that child still checks it).
        await _store.Leases.SetCheckpointAsync(children[0].LeaseKey, "100", children[0].LeaseCounter, CancellationToken.None);
        await a.SyncAsync(split, CancellationToken.None);
        Assert.Equal(["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"], await RowsAsync());

        await _store.Leases.SetCheckpointAsync(children[1].LeaseKey, "200", children[1].LeaseCounter, CancellationToken.None);
        await a.SyncAsync(split, CancellationToken.None);
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], await RowsAsync());

        // The stream still lists the closed parent until it trims it: no node writes its row again, or reads it again.
        await RoundAsync(split, a, b);
        var joining = await Node("c").SyncAsync(split, CancellationToken.None);
        Assert.Empty(joining.Start);
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], await RowsAsync());
    }

    [Fact]
    public async Task Sync_FinishedChildOfAFinishedParent_IsDeletedOnlyAfterTheParentsRow()
    {
        SourceShard[] lineage =
        [
            new("shardId-000000000000", []),
            new("shardId-000000000001", ["shardId-000000000000"]),
            new("shardId-000000000002", ["shardId-000000000001"]),
        ];
        var a = Node("a");
        await a.SyncAsync(lineage, CancellationToken.None);
        var held = a.Held.ToDictionary(l => l.ShardId);
        // Between two of a's rounds, shard 0 and then shard 1 are read to their end, and shard 2's reading begins.
        await FinishAsync(a, held["shardId-000000000000"]);
        await FinishAsync(a, held["shardId-000000000001"]);
        await _store.Leases.SetCheckpointAsync(held["shardId-000000000002"].LeaseKey, "300", held["shardId-000000000002"].LeaseCounter, CancellationToken.None);

        // Both finished rows have a child that is being read; the child's goes only once its parent's is gone.
        await a.SyncAsync(lineage, CancellationToken.None);
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], await RowsAsync());
        await a.SyncAsync(lineage, CancellationToken.None);
        Assert.Equal(["shardId-000000000002"], await RowsAsync());
    }

    private async Task<string[]> RowsAsync() =>
        (await _store.Leases.ListLeasesAsync(Prefix, CancellationToken.None)).Select(l => l.ShardId).ToArray();

    [Fact]
    public async Task Sync_ChildWhoseParentWasTrimmed_StartsAtOnce()
    {
        var a = Node("a");

        var changes = await a.SyncAsync([new SourceShard("shardId-000000000005", ["shardId-000000000001"])], CancellationToken.None);

        Assert.Equal(["shardId-000000000005"], changes.Start.Select(l => l.ShardId));
    }

    [Fact]
    public async Task Sync_ExclusiveNodes_TheLaterTakesEveryShardAtOnceAndTheEarlierNeitherRenewsNorTakesBack()
    {
        var a = Node("a", exclusive: true);
        var b = Node("b", exclusive: true);
        await RoundAsync(FourShards, a);

        var taken = await b.SyncAsync(FourShards, CancellationToken.None);
        _time.Advance(Options.Failover * 3);
        var earlier = await a.SyncAsync(FourShards, CancellationToken.None);

        Assert.Equal(4, taken.Start.Count);
        Assert.Empty(earlier.Start);
        // No renewal: a learns of the loss from the fence at its readers' next checkpoint, as before leases were shared.
        Assert.Empty(earlier.Stop);
        Assert.All(await _store.Leases.ListLeasesAsync(Prefix, CancellationToken.None), l => Assert.Equal(("b", 2L, 0L), (l.Owner, l.LeaseCounter, l.Renewals)));
    }

    [Fact]
    public async Task Sync_RenewalFailsOnTheStore_KeepsTheLeasesAndStopsNothing()
    {
        var flaky = new FlakyRenewals(_store.Leases);
        var a = new LeaseCoordinator(Prefix, "a", flaky, Options, _time, NullLogger.Instance);
        await RoundAsync(FourShards, a);
        flaky.Failing = true;

        var changes = await a.SyncAsync(FourShards, CancellationToken.None);

        Assert.Equal(4, flaky.Attempts);
        Assert.Empty(changes.Stop);
        Assert.Equal(FourShards.Select(s => s.ShardId), Shards(a));
    }

    /// <summary>The lease table, whose renewals fail (the store is away) while <see cref="Failing"/>.</summary>
    private sealed class FlakyRenewals(IShardLeaseStore inner) : IShardLeaseStore
    {
        public bool Failing { get; set; }

        public int Attempts { get; private set; }

        public Task<Lease> AcquireLeaseAsync(string leaseKey, string owner, CancellationToken cancellationToken) => inner.AcquireLeaseAsync(leaseKey, owner, cancellationToken);

        public Task SetCheckpointAsync(string leaseKey, string sequenceNumber, long leaseCounter, CancellationToken cancellationToken) =>
            inner.SetCheckpointAsync(leaseKey, sequenceNumber, leaseCounter, cancellationToken);

        public Task<IReadOnlyList<Lease>> ListLeasesAsync(string keyPrefix, CancellationToken cancellationToken) => inner.ListLeasesAsync(keyPrefix, cancellationToken);

        public Task<bool> CreateLeaseIfMissingAsync(string leaseKey, IReadOnlyList<string> parentShardIds, CancellationToken cancellationToken) =>
            inner.CreateLeaseIfMissingAsync(leaseKey, parentShardIds, cancellationToken);

        public Task<Lease?> TakeLeaseAsync(string leaseKey, string owner, long expectedCounter, CancellationToken cancellationToken) =>
            inner.TakeLeaseAsync(leaseKey, owner, expectedCounter, cancellationToken);

        public Task<bool> RenewLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken)
        {
            if (!Failing)
            {
                return inner.RenewLeaseAsync(leaseKey, owner, leaseCounter, cancellationToken);
            }

            Attempts++;
            throw new IOException("The store is away.");
        }

        public Task<bool> ReleaseLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken) =>
            inner.ReleaseLeaseAsync(leaseKey, owner, leaseCounter, cancellationToken);

        public Task<bool> DeleteFinishedLeaseAsync(string leaseKey, long leaseCounter, CancellationToken cancellationToken) =>
            inner.DeleteFinishedLeaseAsync(leaseKey, leaseCounter, cancellationToken);

        public Task<bool> DeleteLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken) =>
            inner.DeleteLeaseAsync(leaseKey, owner, leaseCounter, cancellationToken);
    }

    private async Task FinishAsync(LeaseCoordinator node, Lease lease)
    {
        await _store.Leases.SetCheckpointAsync(lease.LeaseKey, Lease.ShardEnd, lease.LeaseCounter, CancellationToken.None);
        await node.ReaderEndedAsync(lease.ShardId, ShardReaderOutcome.ShardEnded, CancellationToken.None);
    }
}
