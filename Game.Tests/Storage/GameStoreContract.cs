using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Server.EventSources.Leases;

namespace Game.Tests.Storage;

/// <summary>
/// What every <see cref="IGameStore"/> must do, run against each implementation by a subclass. Each test gets
/// a fresh, empty store, so every assertion can be exact.
/// </summary>
public abstract class GameStoreContract : IAsyncLifetime
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource _timeout = new(TestTimeout);
    private IGameStore? _store;

    /// <summary>The same store seen through the event sources' lease port.</summary>
    protected IShardLeaseStore Leases => (IShardLeaseStore)Store;

    protected IGameStore Store => _store ?? throw new InvalidOperationException("The store is not initialised.");

    protected CancellationToken Token => _timeout.Token;

    /// <summary>Every store is also the dead-letter store (the server registers the one instance as both).</summary>
    protected IDeadLetterStore DeadLetters => (IDeadLetterStore)Store;

    /// <summary>A new, empty store; the contract initialises it.</summary>
    protected abstract IGameStore CreateStore();

    /// <summary>Removes what the store left behind (files, tables), after it is disposed.</summary>
    protected abstract Task DeleteStoreAsync();

    public async Task InitializeAsync()
    {
        _store = CreateStore();
        await _store.InitializeAsync(Token);
    }

    public async Task DisposeAsync()
    {
        (_store as IDisposable)?.Dispose();
        await DeleteStoreAsync();
        _timeout.Dispose();
    }

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
    public async Task GetCheckpoint_Missing_ReturnsNull()
    {
        Assert.Null(await Leases.GetCheckpointAsync("score/motion/shardId-000000000000", Token));
    }

    [Fact]
    public async Task SetCheckpoint_ThenOverwrite_ReturnsTheLatestPerLease()
    {
        const string Lease = "score/motion/shardId-000000000001";
        const string Other = "score/motion/shardId-000000000002";
        const string First = "4962966962969606696269692960";
        const string Second = "4962966962969606696269692961";
        var lease = await Leases.AcquireLeaseAsync(Lease, "host-a", Token);
        var other = await Leases.AcquireLeaseAsync(Other, "host-a", Token);

        await Leases.SetCheckpointAsync(Lease, First, lease.LeaseCounter, Token);
        Assert.Equal(First, await Leases.GetCheckpointAsync(Lease, Token));

        await Leases.SetCheckpointAsync(Lease, Second, lease.LeaseCounter, Token);
        await Leases.SetCheckpointAsync(Other, "0", other.LeaseCounter, Token);

        Assert.Equal(28, Second.Length);
        Assert.Equal(Second, await Leases.GetCheckpointAsync(Lease, Token));
        Assert.Equal("0", await Leases.GetCheckpointAsync(Other, Token));
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
        Assert.Equal("200", await Leases.GetCheckpointAsync(Key, Token));
    }

    [Fact]
    public async Task SetCheckpoint_LeaseNeverAcquired_ThrowsLeaseLostAndWritesNothing()
    {
        await Assert.ThrowsAsync<LeaseLostException>(() => Leases.SetCheckpointAsync("score/motion/shardId-000000000004", "7", 1, Token));

        Assert.Null(await Leases.GetCheckpointAsync("score/motion/shardId-000000000004", Token));
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
        Assert.Equal("2", await Leases.GetCheckpointAsync(Key, Token));
    }

    [Fact]
    public async Task DeadLetters_Empty_ListsNoneAndGetReturnsNull()
    {
        Assert.Empty(await DeadLetters.ListAsync(null, Token));
        Assert.Empty(await DeadLetters.ListAsync("score", Token));
        Assert.Null(await DeadLetters.GetAsync("0000000000001-none", Token));
    }

    [Fact]
    public async Task DeadLetters_Add_RoundTripsEveryFieldAndEveryRecordByte()
    {
        var deadLetter = DeadLetter("1764345600000-a", "score", error: "Task timed out after 3.00 seconds");

        await DeadLetters.AddAsync(deadLetter, Token);
        var read = await DeadLetters.GetAsync(deadLetter.Id, Token);

        AssertSame(deadLetter, read);
        Assert.Equal(TimeSpan.FromHours(2), read!.FailedAt.Offset);
        Assert.Equal(TimeSpan.FromHours(-5), read.Records[1].ArrivalTime.Offset);
    }

    [Fact]
    public async Task DeadLetters_WithoutErrorOrRecords_RoundTripAsNullAndEmpty()
    {
        var deadLetter = DeadLetter("1764345600000-b", "score", error: null) with { Records = [], BatchSize = 0 };

        await DeadLetters.AddAsync(deadLetter, Token);

        AssertSame(deadLetter, await DeadLetters.GetAsync(deadLetter.Id, Token));
    }

    [Fact]
    public async Task DeadLetters_List_OldestFirstOfAllOrOfOneFunction()
    {
        var later = DeadLetter("1764345600002-x", "score", error: null);
        var earliest = DeadLetter("1764345600000-z", "audit", error: "boom");
        var middle = DeadLetter("1764345600001-y", "score", error: "boom");
        foreach (var deadLetter in new[] { later, earliest, middle })
        {
            await DeadLetters.AddAsync(deadLetter, Token);
        }

        var all = await DeadLetters.ListAsync(null, Token);
        var score = await DeadLetters.ListAsync("score", Token);

        Assert.Equal([earliest.Id, middle.Id, later.Id], all.Select(d => d.Id));
        Assert.Equal([middle.Id, later.Id], score.Select(d => d.Id));
        AssertSame(earliest, all[0]);
        AssertSame(later, score[1]);
        Assert.Empty(await DeadLetters.ListAsync("nobody", Token));
    }

    [Fact]
    public async Task DeadLetters_MarkReplayed_SetsReplayedAtAndKeepsTheRest()
    {
        var deadLetter = DeadLetter("1764345600000-r", "score", error: "boom");
        await DeadLetters.AddAsync(deadLetter, Token);
        var replayedAt = new DateTimeOffset(2026, 11, 28, 19, 0, 0, TimeSpan.FromHours(1)).AddTicks(3);

        await DeadLetters.MarkReplayedAsync(deadLetter.Id, replayedAt, Token);

        var read = await DeadLetters.GetAsync(deadLetter.Id, Token);
        AssertSame(deadLetter with { ReplayedAt = replayedAt }, read);
        Assert.Equal(TimeSpan.FromHours(1), read!.ReplayedAt!.Value.Offset);
        AssertSame(deadLetter with { ReplayedAt = replayedAt }, Assert.Single(await DeadLetters.ListAsync(null, Token)));
    }

    [Fact]
    public async Task DeadLetters_MarkReplayedUnknown_ThrowsKeyNotFoundAndCreatesNothing()
    {
        await Assert.ThrowsAsync<KeyNotFoundException>(() => DeadLetters.MarkReplayedAsync("1764345600000-none", At(0), Token));

        Assert.Empty(await DeadLetters.ListAsync(null, Token));
    }

    private static DateTimeOffset At(int seconds) => new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero).AddSeconds(seconds);

    private static PlayerProfile Profile(string id, string nickname, string team) => new() { PlayerId = id, Nickname = nickname, Team = team };

    private static DeadLetter DeadLetter(string id, string functionName, string? error) => new()
    {
        Id = id,
        FunctionName = functionName,
        StreamName = "motion",
        ShardId = "shardId-000000000001",
        StartSequenceNumber = "49629669629696066962696929600000000000000000000000000001",
        EndSequenceNumber = "49629669629696066962696929600000000000000000000000000002",
        BatchSize = 2,
        Condition = "RetryAttemptsExhausted",
        Error = error,
        Attempts = 3,
        FailedAt = new DateTimeOffset(2026, 11, 28, 18, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567),
        Records =
        [
            new StreamRecord("49629669629696066962696929600000000000000000000000000001", "p1", [0x00, 0xff, 0x7b, 0x22], At(1).AddTicks(5)),
            new StreamRecord("49629669629696066962696929600000000000000000000000000002", "p,2 \"q\"", [.. Enumerable.Range(0, 300).Select(i => (byte)i)], new DateTimeOffset(2026, 11, 28, 7, 0, 0, TimeSpan.FromHours(-5))),
        ],
    };

    /// <summary>Records hold byte arrays and lists, which record equality compares by reference: compare field by field.</summary>
    private static void AssertSame(DeadLetter expected, DeadLetter? actual)
    {
        Assert.NotNull(actual);
        IReadOnlyList<StreamRecord> noRecords = [];
        Assert.Equal(expected with { Records = noRecords }, actual with { Records = noRecords });
        Assert.Equal(expected.Records.Count, actual.Records.Count);
        foreach (var (want, got) in expected.Records.Zip(actual.Records))
        {
            var noData = Array.Empty<byte>();
            Assert.Equal(want with { Data = noData }, got with { Data = noData });
            Assert.Equal(want.Data, got.Data);
        }
    }

    /// <summary>Three clean samples 20 ms apart at 20 m/s² (101 points each), ending at device time 60·seq ms.</summary>
    private static MotionBatch Batch(long seq) => new()
    {
        GameId = "GAME",
        PlayerId = "p1",
        Seq = seq,
        Samples = [.. Enumerable.Range(0, 3).Select(i => new MotionSample { T = 60 * (seq - 1) + 20 * (i + 1), X = 20 })],
    };
}
