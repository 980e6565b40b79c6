using Game.Functions.Contracts;
using Game.Server.EventSources.Leases;

namespace Game.Tests.Storage;

/// <summary>The embedded store's group commit: writes of every adapter share commits, and fail alone.</summary>
public sealed class SqliteGroupCommitTests
{
    [Fact]
    public async Task Writes_ManyConcurrentWithOneFailing_CommitTogetherAndOnlyTheFailingOneIsRolledBack()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var token = timeout.Token;
        await using var store = await SqliteTestStore.CreateTemporaryAsync(token);

        // Queued at once, these share commits: the lost lease and the throwing update must fail alone, rolled back
        // to their own savepoints, while every other write is durable.
        var lease = await store.Leases.AcquireLeaseAsync("score/motion/shardId-000000000000", "host-a", token);
        for (var i = 0; i < 20; i++)
        {
            await store.Games.AddPlayerAsync("GAME", new PlayerProfile { PlayerId = $"p{i:D2}", Nickname = $"n{i}", Team = "blue" }, token);
        }

        var updates = Enumerable.Range(0, 20)
            .Select(i => store.Games.UpdateLedgersAsync("GAME", [($"p{i:D2}", l => l with { Score = l.Score + i + 1, LastSeq = 1 })], token))
            .ToList();
        var staleCheckpoint = store.Leases.SetCheckpointAsync(lease.LeaseKey, "100", lease.LeaseCounter + 1, token);
        var checkpoint = store.Leases.SetCheckpointAsync(lease.LeaseKey, "200", lease.LeaseCounter, token);
        var throwing = store.Games.UpdateLedgersAsync("GAME", [("p00", l => l with { Score = 1_000 }), ("p01", _ => throw new InvalidOperationException("boom"))], token);

        await Task.WhenAll(updates);
        await checkpoint;
        await Assert.ThrowsAsync<LeaseLostException>(() => staleCheckpoint);
        Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => throwing)).Message);

        // Read back through a new store on the same file: what was acknowledged is on disk, the failed write is not.
        await using var reopened = await SqliteTestStore.OpenAsync(store.Database.Path, token);
        var players = await reopened.Games.GetPlayersAsync("GAME", token);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), players.Select(p => p.Ledger.Score));
        Assert.Equal("200", await reopened.ReadCheckpointAsync(lease.LeaseKey, token));
    }
}
