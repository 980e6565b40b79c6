using System.Collections.Concurrent;
using Game.Functions.Contracts;

namespace Game.Tests.Storage;

/// <summary>The game store contract on DynamoDB's API (dynalite), new tables per test; and how it waits after a lost race.</summary>
public sealed class DynamoDbGameStoreTests : GameStoreContract
{
    protected override async Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        await DynamoDbTestStore.CreateTemporaryAsync(cancellationToken);

    [Fact]
    public async Task UpdateLedgers_LostRace_PausesOnTheStoresClockAndAppliesBothOnce()
    {
        var clock = new TimerRecordingTimeProvider();
        await using var store = await DynamoDbTestStore.CreateTemporaryAsync(Token, clock);
        await store.Games.AddPlayerAsync("GAME", new PlayerProfile { PlayerId = "p1", Nickname = "Ann", Team = "blue" }, Token);
        var calls = 0;
        clock.Forget();

        // The first computation lets another writer in between this update's read and its conditional write.
        await store.Games.UpdateLedgersAsync(
            "GAME",
            [("p1", l =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    store.Games.UpdateLedgersAsync("GAME", [("p1", o => o with { Score = o.Score + 100, LastSeq = o.LastSeq + 1 })], Token).GetAwaiter().GetResult();
                }

                return l with { Score = l.Score + 1, LastSeq = l.LastSeq + 1 };
            })],
            Token);

        Assert.Equal(2, calls);
        Assert.Equal(new PlayerLedger { Score = 101, LastSeq = 2 }, Assert.Single(await store.Games.GetPlayersAsync("GAME", Token)).Ledger);
        // The jittered pause of a first lost race (1–4 ms) is a timer of the store's TimeProvider, so tests can drive it.
        var pause = Assert.Single(clock.DueTimes);
        Assert.InRange(pause, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(4));
    }

    /// <summary>The system clock, noting the due time of every timer made through it.</summary>
    private sealed class TimerRecordingTimeProvider : TimeProvider
    {
        private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();

        public IReadOnlyCollection<TimeSpan> DueTimes => _dueTimes;

        /// <summary>Drops what was noted so far (the set-up may wait for tables to become ACTIVE).</summary>
        public void Forget() => _dueTimes.Clear();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _dueTimes.Enqueue(dueTime);
            return System.CreateTimer(callback, state, dueTime, period);
        }
    }
}
