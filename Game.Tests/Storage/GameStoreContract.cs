using Game.Functions.Contracts;
using Game.Functions.Scoring;

namespace Game.Tests.Storage;

/// <summary>What every <see cref="IGameStore"/> must do, run against each technology by a subclass.</summary>
public abstract class GameStoreContract : StoreContract
{
    protected IGameStore Store => TestStore.Games;

    [Fact]
    public async Task GetGame_Unknown_ReturnsNull()
    {
        Assert.Null(await Store.GetGameAsync("NOPE", Token));
    }

    [Fact]
    public async Task SaveGame_EveryField_RoundTripsExactly()
    {
        var game = new GameRecord
        {
            GameId = "ABCD",
            Phase = GamePhase.Running,
            RoundSeconds = 45,
            Round = 3,
            RoundStartsAt = new DateTimeOffset(2026, 11, 28, 17, 30, 5, TimeSpan.FromHours(2)).AddTicks(1_234_567),
            RoundEndsAt = new DateTimeOffset(2026, 11, 28, 17, 30, 50, TimeSpan.FromHours(2)).AddTicks(7),
            CreatedAt = new DateTimeOffset(2026, 11, 28, 15, 0, 0, TimeSpan.Zero).AddTicks(9_999_999),
            Scoring = ScoreMode.PerRound,
            EarlierRounds =
            [
                new RoundWindow(new DateTimeOffset(2026, 11, 28, 17, 0, 3, TimeSpan.FromHours(2)).AddTicks(11), new DateTimeOffset(2026, 11, 28, 17, 0, 48, TimeSpan.FromHours(2))),
                new RoundWindow(new DateTimeOffset(2026, 11, 28, 17, 10, 3, TimeSpan.FromHours(2)), new DateTimeOffset(2026, 11, 28, 17, 10, 20, TimeSpan.FromHours(2)).AddTicks(3)),
            ],
        };

        await Store.SaveGameAsync(game, Token);
        var read = await Store.GetGameAsync("ABCD", Token);

        Assert.Equal(game, read);
        // Record equality compares instants only; the offsets must survive too.
        Assert.Equal(TimeSpan.FromHours(2), read!.RoundStartsAt!.Value.Offset);
        Assert.Equal(TimeSpan.FromHours(2), read.RoundEndsAt!.Value.Offset);
        Assert.Equal(TimeSpan.Zero, read.CreatedAt.Offset);
    }

    [Fact]
    public async Task SaveGame_NullRoundTimes_RoundTripAsNull()
    {
        var game = new GameRecord { GameId = "LOBY", Phase = GamePhase.Lobby, RoundSeconds = 30, Round = 0, CreatedAt = At(0) };

        await Store.SaveGameAsync(game, Token);
        var read = await Store.GetGameAsync("LOBY", Token);

        Assert.Equal(game, read);
        Assert.Null(read!.RoundStartsAt);
        Assert.Null(read.RoundEndsAt);
    }

    [Fact]
    public async Task SaveGame_Twice_KeepsTheSecond()
    {
        var lobby = new GameRecord { GameId = "TWCE", Phase = GamePhase.Lobby, CreatedAt = At(0) };
        var finished = lobby with { Phase = GamePhase.Finished, Round = 1, RoundStartsAt = At(10), RoundEndsAt = At(40) };

        await Store.SaveGameAsync(lobby, Token);
        await Store.SaveGameAsync(finished, Token);

        Assert.Equal(finished, await Store.GetGameAsync("TWCE", Token));
        Assert.Equal([finished], await Store.ListGamesAsync(Token));
    }

    [Fact]
    public async Task ListGames_Empty_ReturnsNone()
    {
        Assert.Empty(await Store.ListGamesAsync(Token));
    }

    [Fact]
    public async Task ListGames_SeveralGames_NewestFirstThenById()
    {
        var oldest = new GameRecord { GameId = "AAAA", CreatedAt = At(1) };
        var tiedB = new GameRecord { GameId = "BBBB", CreatedAt = At(2) };
        var tiedA = new GameRecord { GameId = "ABBB", CreatedAt = At(2) };
        var newest = new GameRecord { GameId = "ZZZZ", Phase = GamePhase.Countdown, Round = 1, RoundStartsAt = At(5), RoundEndsAt = At(35), CreatedAt = At(3) };
        foreach (var game in new[] { tiedB, oldest, newest, tiedA })
        {
            await Store.SaveGameAsync(game, Token);
        }

        Assert.Equal([newest, tiedA, tiedB, oldest], await Store.ListGamesAsync(Token));
    }

    [Fact]
    public async Task GetPlayers_UnknownGame_ReturnsNone()
    {
        Assert.Empty(await Store.GetPlayersAsync("NOPE", Token));
    }

    [Fact]
    public async Task GetPlayers_SeveralPlayers_OrderedByIdWithEmptyLedgersAndOnlyThisGame()
    {
        await Store.AddPlayerAsync("GAME", Profile("p-c", "Cleo", "red"), Token);
        await Store.AddPlayerAsync("GAME", Profile("p-a", "Ann", "blue"), Token);
        await Store.AddPlayerAsync("OTHR", Profile("p-0", "Zed", "red"), Token);
        await Store.AddPlayerAsync("GAME", Profile("p-b", "Bo", "red"), Token);

        var players = await Store.GetPlayersAsync("GAME", Token);

        Assert.Equal(
            [
                new PlayerRow(Profile("p-a", "Ann", "blue"), PlayerLedger.Empty),
                new PlayerRow(Profile("p-b", "Bo", "red"), PlayerLedger.Empty),
                new PlayerRow(Profile("p-c", "Cleo", "red"), PlayerLedger.Empty),
            ],
            players);
        Assert.All(players, p => Assert.Equal(double.NegativeInfinity, p.Ledger.LastSampleTime));
    }

    [Fact]
    public async Task AddPlayer_Twice_ChangesNothing()
    {
        await Store.AddPlayerAsync("GAME", Profile("p1", "Ann", "blue"), Token);
        await Store.UpdateLedgersAsync("GAME", [("p1", l => l with { Score = 7, LastSeq = 2, LastSampleTime = 500 })], Token);

        await Store.AddPlayerAsync("GAME", Profile("p1", "Impostor", "red"), Token);

        Assert.Equal(
            [new PlayerRow(Profile("p1", "Ann", "blue"), new PlayerLedger { Score = 7, LastSeq = 2, LastSampleTime = 500 })],
            await Store.GetPlayersAsync("GAME", Token));
    }

    [Fact]
    public async Task UpdateLedgers_KnownPlayer_WritesAndReturnsTheWrittenLedger()
    {
        await Store.AddPlayerAsync("GAME", Profile("p1", "Ann", "blue"), Token);
        await Store.AddPlayerAsync("GAME", Profile("p2", "Bo", "red"), Token);
        var expected = new PlayerLedger { Score = 120, LastSeq = 4, LastSampleTime = 1_732_812_345_678.125 };

        var written = await Store.UpdateLedgersAsync("GAME", [("p1", l => l with { Score = l.Score + 120, LastSeq = 4, LastSampleTime = 1_732_812_345_678.125 })], Token);

        Assert.Equal([("p1", expected)], written);
        Assert.Equal(
            [
                new PlayerRow(Profile("p1", "Ann", "blue"), expected),
                new PlayerRow(Profile("p2", "Bo", "red"), PlayerLedger.Empty),
            ],
            await Store.GetPlayersAsync("GAME", Token));
    }

    [Fact]
    public async Task UpdateLedgers_UnknownPlayer_IsSkipped()
    {
        await Store.AddPlayerAsync("GAME", Profile("p1", "Ann", "blue"), Token);
        await Store.AddPlayerAsync("OTHR", Profile("p2", "Bo", "red"), Token);
        var calledFor = new List<string>();

        var written = await Store.UpdateLedgersAsync(
            "GAME",
            [
                ("ghost", l => { lock (calledFor) { calledFor.Add("ghost"); } return l with { Score = 1, LastSeq = 1 }; }),
                ("p2", l => { lock (calledFor) { calledFor.Add("p2"); } return l with { Score = 1, LastSeq = 1 }; }),
                ("p1", l => l with { Score = 3, LastSeq = 1 }),
            ],
            Token);

        Assert.Equal([("p1", new PlayerLedger { Score = 3, LastSeq = 1 })], written);
        Assert.Empty(calledFor);
        Assert.Equal([new PlayerRow(Profile("p1", "Ann", "blue"), new PlayerLedger { Score = 3, LastSeq = 1 })], await Store.GetPlayersAsync("GAME", Token));
        Assert.Equal([new PlayerRow(Profile("p2", "Bo", "red"), PlayerLedger.Empty)], await Store.GetPlayersAsync("OTHR", Token));
    }

    [Fact]
    public async Task UpdateLedgers_UpdateChangesNothing_ReturnsTheStoredLedger()
    {
        await Store.AddPlayerAsync("GAME", Profile("p1", "Ann", "blue"), Token);
        await Store.UpdateLedgersAsync("GAME", [("p1", l => l with { Score = 5, LastSeq = 1, LastSampleTime = 20 })], Token);

        var written = await Store.UpdateLedgersAsync("GAME", [("p1", l => l)], Token);

        var stored = new PlayerLedger { Score = 5, LastSeq = 1, LastSampleTime = 20 };
        Assert.Equal([("p1", stored)], written);
        Assert.Equal(stored, Assert.Single(await Store.GetPlayersAsync("GAME", Token)).Ledger);
    }

    [Fact]
    public async Task UpdateLedgers_TwoUpdatesOfOnePlayerInOneCall_ApplyInOrder()
    {
        await Store.AddPlayerAsync("GAME", Profile("p1", "Ann", "blue"), Token);

        var written = await Store.UpdateLedgersAsync(
            "GAME",
            [("p1", l => l with { Score = l.Score + 10, LastSeq = 1 }), ("p1", l => l with { Score = l.Score * 3, LastSeq = 2 })],
            Token);

        Assert.Equal(
            [("p1", new PlayerLedger { Score = 10, LastSeq = 1 }), ("p1", new PlayerLedger { Score = 30, LastSeq = 2 })],
            written.OrderBy(w => w.Ledger.LastSeq));
        Assert.Equal(new PlayerLedger { Score = 30, LastSeq = 2 }, Assert.Single(await Store.GetPlayersAsync("GAME", Token)).Ledger);
    }

    [Fact]
    public async Task UpdateLedgers_ManyPlayersInOneCall_UpdatesEveryOne()
    {
        // More than one BatchGetItem's worth (100 keys) and more than the write concurrency.
        var ids = Enumerable.Range(0, 230).Select(i => $"p{i:D3}").ToList();
        foreach (var id in ids)
        {
            await Store.AddPlayerAsync("GAME", Profile(id, id, "red"), Token);
        }

        var written = await Store.UpdateLedgersAsync(
            "GAME",
            ids.Select(id => (id, (Func<PlayerLedger, PlayerLedger>)(l => l with { Score = int.Parse(id[1..]) + 1, LastSeq = 1 }))).ToList(),
            Token);

        var expected = ids.Select(id => (id, new PlayerLedger { Score = int.Parse(id[1..]) + 1, LastSeq = 1 })).ToList();
        Assert.Equal(expected, written.OrderBy(w => w.PlayerId, StringComparer.Ordinal));
        Assert.Equal(expected, (await Store.GetPlayersAsync("GAME", Token)).Select(p => (p.Profile.PlayerId, p.Ledger)));
    }

    [Fact]
    public async Task UpdateLedgers_TwoTasksRacingOnOnePlayer_EveryIncrementAppliesExactlyOnce()
    {
        await Store.AddPlayerAsync("GAME", Profile("p1", "Ann", "blue"), Token);
        const int PerTask = 50;

        // Each update moves the seq by one and adds one point; a lost or doubled write would show in either.
        async Task IncrementAsync()
        {
            for (var i = 0; i < PerTask; i++)
            {
                await Store.UpdateLedgersAsync("GAME", [("p1", l => l with { Score = l.Score + 1, LastSeq = l.LastSeq + 1 })], Token);
            }
        }

        await Task.WhenAll(Task.Run(IncrementAsync), Task.Run(IncrementAsync));

        Assert.Equal(
            new PlayerLedger { Score = 2 * PerTask, LastSeq = 2 * PerTask },
            Assert.Single(await Store.GetPlayersAsync("GAME", Token)).Ledger);
    }

    [Fact]
    public async Task UpdateLedgers_SameBatchesDeliveredTwiceConcurrently_ApplyOnce()
    {
        await Store.AddPlayerAsync("GAME", Profile("p1", "Ann", "blue"), Token);
        var batches = Enumerable.Range(1, 30).Select(seq => Batch(seq)).ToList();
        var expected = batches.Aggregate(PlayerLedger.Empty, (l, b) => ScoreLedger.Apply(l, b, counts: true).Ledger);

        // At-least-once delivery: two readers hand the same batches to the store at the same time.
        async Task DeliverAsync()
        {
            foreach (var batch in batches)
            {
                await Store.UpdateLedgersAsync("GAME", [("p1", l => ScoreLedger.Apply(l, batch, counts: true).Ledger)], Token);
            }
        }

        await Task.WhenAll(Task.Run(DeliverAsync), Task.Run(DeliverAsync));

        Assert.Equal(new PlayerLedger { Score = 30 * 3 * 101, LastSeq = 30, LastSampleTime = 30 * 60 }, expected);
        Assert.Equal(expected, Assert.Single(await Store.GetPlayersAsync("GAME", Token)).Ledger);
    }

    [Fact]
    public async Task UpdateLedgers_ReplayedBatch_ChangesNothing()
    {
        await Store.AddPlayerAsync("GAME", Profile("p1", "Ann", "blue"), Token);
        var batch = Batch(seq: 1);
        var once = new PlayerLedger { Score = 3 * 101, LastSeq = 1, LastSampleTime = 60 };

        var first = await Store.UpdateLedgersAsync("GAME", [("p1", l => ScoreLedger.Apply(l, batch, counts: true).Ledger)], Token);
        var replay = await Store.UpdateLedgersAsync("GAME", [("p1", l => ScoreLedger.Apply(l, batch, counts: true).Ledger)], Token);

        Assert.Equal([("p1", once)], first);
        Assert.Equal([("p1", once)], replay);
        Assert.Equal(once, Assert.Single(await Store.GetPlayersAsync("GAME", Token)).Ledger);
    }

    [Fact]
    public async Task UpdateLedgers_LastSampleTimeBackToNegativeInfinity_RoundTrips()
    {
        await Store.AddPlayerAsync("GAME", Profile("p1", "Ann", "blue"), Token);

        await Store.UpdateLedgersAsync("GAME", [("p1", l => l with { LastSeq = 1, LastSampleTime = -0.5 })], Token);
        var finite = Assert.Single(await Store.GetPlayersAsync("GAME", Token)).Ledger;
        var written = await Store.UpdateLedgersAsync("GAME", [("p1", l => l with { LastSeq = 2, LastSampleTime = double.NegativeInfinity })], Token);
        var infinite = Assert.Single(await Store.GetPlayersAsync("GAME", Token)).Ledger;

        Assert.Equal(new PlayerLedger { LastSeq = 1, LastSampleTime = -0.5 }, finite);
        Assert.Equal([("p1", new PlayerLedger { LastSeq = 2, LastSampleTime = double.NegativeInfinity })], written);
        Assert.Equal(new PlayerLedger { LastSeq = 2, LastSampleTime = double.NegativeInfinity }, infinite);
        Assert.True(double.IsNegativeInfinity(infinite.LastSampleTime));
    }

    [Fact]
    public async Task UpdateLedgers_LongNonAsciiPlayerIds_EachUpdatesItsOwnLedger()
    {
        // 401 and 400 bytes of UTF-8 (beyond what the embedded store encodes on the stack), differing only at the end,
        // beside a short id, and the same long id in another game.
        var longA = new string('ü', 200) + "a";
        var longB = new string('ü', 200);
        await Store.AddPlayerAsync("GAME", Profile(longA, "A", "blue"), Token);
        await Store.AddPlayerAsync("GAME", Profile(longB, "B", "blue"), Token);
        await Store.AddPlayerAsync("GAME", Profile("p", "P", "red"), Token);
        await Store.AddPlayerAsync("OTHR", Profile(longA, "A", "blue"), Token);

        var written = await Store.UpdateLedgersAsync(
            "GAME",
            [(longA, l => l with { Score = 7, LastSeq = 1 }), (longB, l => l with { Score = 11, LastSeq = 2 }), ("p", l => l with { Score = 13, LastSeq = 3 })],
            Token);

        Assert.Equal(
            [("p", new PlayerLedger { Score = 13, LastSeq = 3 }), (longB, new PlayerLedger { Score = 11, LastSeq = 2 }), (longA, new PlayerLedger { Score = 7, LastSeq = 1 })],
            written.OrderBy(w => w.Ledger.Score).Reverse());
        Assert.Equal(
            [(longA, 7L), (longB, 11L), ("p", 13L)],
            (await Store.GetPlayersAsync("GAME", Token)).Select(p => (p.Profile.PlayerId, p.Ledger.Score)).OrderBy(p => p.Score));
        Assert.Equal(PlayerLedger.Empty, Assert.Single(await Store.GetPlayersAsync("OTHR", Token)).Ledger);
    }

    private static PlayerProfile Profile(string id, string nickname, string team) => new() { PlayerId = id, Nickname = nickname, Team = team };

    /// <summary>Three clean samples 20 ms apart at 20 m/s² (101 points each), ending at device time 60·seq ms.</summary>
    private static MotionBatch Batch(long seq) => new()
    {
        GameId = "GAME",
        PlayerId = "p1",
        Seq = seq,
        Samples = [.. Enumerable.Range(0, 3).Select(i => new MotionSample { T = 60 * (seq - 1) + 20 * (i + 1), X = 20 })],
    };
}
