using Game.Server.Functions.AsyncInvocations;

namespace Game.Tests.Storage;

/// <summary>What every <see cref="IAsyncEventStore"/> must do, run against each technology by a subclass.</summary>
public abstract class AsyncEventStoreContract : StoreContract
{
    protected IAsyncEventStore AsyncEvents => TestStore.AsyncEvents;

    [Fact]
    public async Task List_Empty_ListsNone()
    {
        Assert.Empty(await AsyncEvents.ListAsync(Token));
        Assert.Empty(await AsyncEvents.ListVisibleAsync(At(1_000_000), 10, Token));
    }

    [Fact]
    public async Task Put_New_CreatesRevisionOneAndRoundTripsEveryFieldAndByte()
    {
        var asyncEvent = Event("a", visibleAt: At(0)) with
        {
            Attempts = 2,
            LastError = "ArgumentException: The input needs a string 'gameId'.",
            Owner = "node-1/42/abc",
            Payload = [0x7b, 0x00, 0xff, 0x7d, .. Enumerable.Range(0, 300).Select(i => (byte)i)],
        };

        var written = await AsyncEvents.PutAsync(asyncEvent, Token);

        AssertSame(asyncEvent with { Revision = 1 }, written);
        AssertSame(asyncEvent with { Revision = 1 }, Assert.Single(await AsyncEvents.ListAsync(Token)));
    }

    [Fact]
    public async Task Put_EmptyPayloadAndNoErrorOrOwner_RoundTripAsEmptyAndNull()
    {
        var asyncEvent = Event("a", visibleAt: At(0)) with { Payload = [] };

        await AsyncEvents.PutAsync(asyncEvent, Token);

        AssertSame(asyncEvent with { Revision = 1 }, Assert.Single(await AsyncEvents.ListAsync(Token)));
    }

    [Fact]
    public async Task Put_CreateWhenTheIdExists_WritesNothingAndAnswersNull()
    {
        await AsyncEvents.PutAsync(Event("a", visibleAt: At(0)), Token);

        Assert.Null(await AsyncEvents.PutAsync(Event("a", visibleAt: At(9)) with { FunctionName = "other" }, Token));

        AssertSame(Event("a", visibleAt: At(0)) with { Revision = 1 }, Assert.Single(await AsyncEvents.ListAsync(Token)));
    }

    [Fact]
    public async Task Put_AtTheRevisionRead_BumpsItAndReplacesTheFields()
    {
        var first = (await AsyncEvents.PutAsync(Event("a", visibleAt: At(0)), Token))!;

        var claimed = await AsyncEvents.PutAsync(first with { Owner = "node-1", VisibleAt = At(33) }, Token);
        var released = await AsyncEvents.PutAsync(claimed! with { Owner = null, Attempts = 1, LastError = "boom", VisibleAt = At(60) }, Token);

        Assert.Equal(2, claimed!.Revision);
        AssertSame(first with { Attempts = 1, LastError = "boom", VisibleAt = At(60), Revision = 3 }, released);
        AssertSame(released!, Assert.Single(await AsyncEvents.ListAsync(Token)));
    }

    [Fact]
    public async Task Put_AtAStaleRevision_WritesNothingAndAnswersNull()
    {
        var first = (await AsyncEvents.PutAsync(Event("a", visibleAt: At(0)), Token))!;
        var second = (await AsyncEvents.PutAsync(first with { Owner = "node-1" }, Token))!;

        Assert.Null(await AsyncEvents.PutAsync(first with { Owner = "node-2" }, Token));
        Assert.Null(await AsyncEvents.PutAsync(Event("missing", visibleAt: At(0)) with { Revision = 1 }, Token));

        AssertSame(second, Assert.Single(await AsyncEvents.ListAsync(Token)));
    }

    [Fact]
    public async Task Put_RacingClaims_ExactlyOneWins()
    {
        var listed = (await AsyncEvents.PutAsync(Event("a", visibleAt: At(0)), Token))!;

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => AsyncEvents.PutAsync(listed with { Owner = $"node-{i}", VisibleAt = At(33) }, Token)));

        var winner = Assert.Single(results, r => r is not null);
        AssertSame(winner!, Assert.Single(await AsyncEvents.ListAsync(Token)));
    }

    [Fact]
    public async Task ListVisible_OnlyThoseVisibleByNow_EarliestFirstThenById_UpToTheLimit()
    {
        foreach (var asyncEvent in new[]
        {
            Event("late", visibleAt: At(11)),
            Event("b", visibleAt: At(5)),
            Event("now", visibleAt: At(10)),
            Event("a", visibleAt: At(5)),
            Event("first", visibleAt: At(1)),
        })
        {
            await AsyncEvents.PutAsync(asyncEvent, Token);
        }

        Assert.Equal(["first", "a", "b", "now"], (await AsyncEvents.ListVisibleAsync(At(10), 10, Token)).Select(e => e.Id));
        Assert.Equal(["first", "a"], (await AsyncEvents.ListVisibleAsync(At(10), 2, Token)).Select(e => e.Id));
        Assert.Empty(await AsyncEvents.ListVisibleAsync(At(0), 10, Token));
        Assert.Equal(["a", "b", "first", "late", "now"], (await AsyncEvents.ListAsync(Token)).Select(e => e.Id));
    }

    [Fact]
    public async Task ListVisible_AClaimHidesTheEventUntilItLapses()
    {
        var listed = (await AsyncEvents.PutAsync(Event("a", visibleAt: At(0)), Token))!;

        await AsyncEvents.PutAsync(listed with { Owner = "node-1", VisibleAt = At(33) }, Token);

        Assert.Empty(await AsyncEvents.ListVisibleAsync(At(32), 10, Token));
        Assert.Equal("node-1", Assert.Single(await AsyncEvents.ListVisibleAsync(At(33), 10, Token)).Owner);
    }

    [Fact]
    public async Task Delete_AtTheRevisionRead_RemovesOnlyThatEvent()
    {
        var a = (await AsyncEvents.PutAsync(Event("a", visibleAt: At(0)), Token))!;
        await AsyncEvents.PutAsync(Event("b", visibleAt: At(0)), Token);

        Assert.True(await AsyncEvents.DeleteAsync("a", a.Revision, Token));

        Assert.Equal(["b"], (await AsyncEvents.ListAsync(Token)).Select(e => e.Id));
    }

    [Fact]
    public async Task Delete_StaleOrMissing_DeletesNothingAndAnswersFalse()
    {
        var first = (await AsyncEvents.PutAsync(Event("a", visibleAt: At(0)), Token))!;
        await AsyncEvents.PutAsync(first with { Owner = "node-2" }, Token);

        Assert.False(await AsyncEvents.DeleteAsync("a", first.Revision, Token));
        Assert.False(await AsyncEvents.DeleteAsync("missing", 1, Token));

        Assert.Equal("node-2", Assert.Single(await AsyncEvents.ListAsync(Token)).Owner);
    }

    private static AsyncEvent Event(string id, DateTimeOffset visibleAt) => new()
    {
        Id = id,
        FunctionName = "player-rank",
        Payload = """{"gameId":"ABCDE","playerId":"p1"}"""u8.ToArray(),
        // Ticks below the millisecond: times must round-trip exactly.
        ReceivedAt = At(-5).AddTicks(1_234),
        VisibleAt = visibleAt,
    };

    /// <summary>The payload is a byte array, which record equality compares by reference: compare it apart.</summary>
    private static void AssertSame(AsyncEvent expected, AsyncEvent? actual)
    {
        Assert.NotNull(actual);
        var noPayload = Array.Empty<byte>();
        Assert.Equal(expected with { Payload = noPayload }, actual with { Payload = noPayload });
        Assert.Equal(expected.Payload, actual.Payload);
    }
}
