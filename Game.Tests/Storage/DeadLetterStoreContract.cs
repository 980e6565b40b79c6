using Game.Functions.Contracts;

namespace Game.Tests.Storage;

/// <summary>What every <see cref="IDeadLetterStore"/> must do, run against each technology by a subclass.</summary>
public abstract class DeadLetterStoreContract : StoreContract
{
    protected IDeadLetterStore DeadLetters => TestStore.DeadLetters;

    [Fact]
    public async Task ListAndGet_Empty_ListNoneAndReturnNull()
    {
        Assert.Empty(await DeadLetters.ListAsync(null, Token));
        Assert.Empty(await DeadLetters.ListAsync("score", Token));
        Assert.Null(await DeadLetters.GetAsync("0000000000001-none", Token));
    }

    [Fact]
    public async Task Add_RoundTripsEveryFieldAndEveryRecordByte()
    {
        var deadLetter = DeadLetter("1764345600000-a", "score", error: "Task timed out after 3.00 seconds");

        await DeadLetters.AddAsync(deadLetter, Token);
        var read = await DeadLetters.GetAsync(deadLetter.Id, Token);

        AssertSame(deadLetter, read);
        Assert.Equal(TimeSpan.FromHours(2), read!.FailedAt.Offset);
        Assert.Equal(TimeSpan.FromHours(-5), read.Records[1].ArrivalTime.Offset);
    }

    [Fact]
    public async Task Add_WithoutErrorOrRecords_RoundTripAsNullAndEmpty()
    {
        var deadLetter = DeadLetter("1764345600000-b", "score", error: null) with { Records = [], BatchSize = 0 };

        await DeadLetters.AddAsync(deadLetter, Token);

        AssertSame(deadLetter, await DeadLetters.GetAsync(deadLetter.Id, Token));
    }

    [Fact]
    public async Task List_OldestFirstOfAllOrOfOneFunction()
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
    public async Task Add_EventInvocations_RoundTripsRequestIdAndPayload()
    {
        var deadLetter = new DeadLetter
        {
            Id = "1764345600000-e",
            FunctionName = "player-rank",
            BatchSize = 1,
            Condition = "RetriesExhausted",
            Error = "ArgumentException: The input needs a string 'gameId'.",
            Attempts = 3,
            FailedAt = At(5),
            RequestId = "6bc28136-9a3a-4b1c-a5e4-0d6f1f4c6f70",
            // Larger than a DynamoDB item if it were not compressed.
            Payload = System.Text.Encoding.UTF8.GetBytes($"{{\"pad\":\"{new string('x', 500_000)}\"}}"),
        };

        await DeadLetters.AddAsync(deadLetter, Token);

        AssertSame(deadLetter, await DeadLetters.GetAsync(deadLetter.Id, Token));
        AssertSame(deadLetter, Assert.Single(await DeadLetters.ListAsync("player-rank", Token)));
    }

    [Fact]
    public async Task MarkReplayed_SetsReplayedAtAndKeepsTheRest()
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
    public async Task MarkReplayed_Unknown_ThrowsKeyNotFoundAndCreatesNothing()
    {
        await Assert.ThrowsAsync<KeyNotFoundException>(() => DeadLetters.MarkReplayedAsync("1764345600000-none", At(0), Token));

        Assert.Empty(await DeadLetters.ListAsync(null, Token));
    }

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

    /// <summary>Records and payloads hold byte arrays and lists, which record equality compares by reference: compare field by field.</summary>
    private static void AssertSame(DeadLetter expected, DeadLetter? actual)
    {
        Assert.NotNull(actual);
        IReadOnlyList<StreamRecord> noRecords = [];
        Assert.Equal(expected with { Records = noRecords, Payload = null }, actual with { Records = noRecords, Payload = null });
        Assert.Equal(expected.Payload, actual.Payload);
        Assert.Equal(expected.Records.Count, actual.Records.Count);
        foreach (var (want, got) in expected.Records.Zip(actual.Records))
        {
            var noData = Array.Empty<byte>();
            Assert.Equal(want with { Data = noData }, got with { Data = noData });
            Assert.Equal(want.Data, got.Data);
        }
    }

}
