using Game.Server.Functions.ControlPlane;

namespace Game.Tests.Storage;

/// <summary>What every <see cref="IControlPlaneStore"/> must do, run against each technology by a subclass.</summary>
public abstract class ControlPlaneStoreContract : StoreContract
{
    private const string Function = ControlPlaneKinds.Function;
    private const string Mapping = ControlPlaneKinds.Mapping;

    protected IControlPlaneStore ControlPlane => TestStore.ControlPlane;

    [Fact]
    public async Task List_Empty_ListsNone()
    {
        Assert.Empty(await ControlPlane.ListAsync(Function, Token));
        Assert.Empty(await ControlPlane.ListAsync(Mapping, Token));
    }

    [Fact]
    public async Task Put_New_CreatesRevisionOneAndListsItUnderItsKindOnly()
    {
        var written = await ControlPlane.PutAsync(Function, "score", """{"Timeout":3}""", 0, Token);

        Assert.Equal(new ControlPlaneDocument(Function, "score", 1, """{"Timeout":3}"""), written);
        Assert.Equal([written!], await ControlPlane.ListAsync(Function, Token));
        Assert.Empty(await ControlPlane.ListAsync(Mapping, Token));
    }

    [Fact]
    public async Task Put_CreateWhenItExists_WritesNothingAndAnswersNull()
    {
        await ControlPlane.PutAsync(Function, "score", "first", 0, Token);

        Assert.Null(await ControlPlane.PutAsync(Function, "score", "second", 0, Token));

        Assert.Equal([new ControlPlaneDocument(Function, "score", 1, "first")], await ControlPlane.ListAsync(Function, Token));
    }

    [Fact]
    public async Task Put_AtTheRevisionRead_BumpsItAndReplacesTheBody()
    {
        await ControlPlane.PutAsync(Mapping, "b-uuid", "one", 0, Token);

        var second = await ControlPlane.PutAsync(Mapping, "b-uuid", "two", 1, Token);
        var third = await ControlPlane.PutAsync(Mapping, "b-uuid", "three", 2, Token);

        Assert.Equal(new ControlPlaneDocument(Mapping, "b-uuid", 2, "two"), second);
        Assert.Equal(new ControlPlaneDocument(Mapping, "b-uuid", 3, "three"), third);
        Assert.Equal([third!], await ControlPlane.ListAsync(Mapping, Token));
    }

    [Fact]
    public async Task Put_AtAStaleRevision_WritesNothingAndAnswersNull()
    {
        await ControlPlane.PutAsync(Mapping, "a-uuid", "one", 0, Token);
        await ControlPlane.PutAsync(Mapping, "a-uuid", "two", 1, Token);

        Assert.Null(await ControlPlane.PutAsync(Mapping, "a-uuid", "lost", 1, Token));
        Assert.Null(await ControlPlane.PutAsync(Mapping, "missing", "lost", 1, Token));

        Assert.Equal([new ControlPlaneDocument(Mapping, "a-uuid", 2, "two")], await ControlPlane.ListAsync(Mapping, Token));
    }

    [Fact]
    public async Task List_InIdOrder()
    {
        foreach (var id in new[] { "score", "player-rank", "Zeta", "audit" })
        {
            await ControlPlane.PutAsync(Function, id, id, 0, Token);
        }

        Assert.Equal(["Zeta", "audit", "player-rank", "score"], (await ControlPlane.ListAsync(Function, Token)).Select(d => d.Id));
    }

    [Fact]
    public async Task Delete_AtTheRevisionRead_RemovesOnlyThatDocument()
    {
        await ControlPlane.PutAsync(Mapping, "a-uuid", "a", 0, Token);
        await ControlPlane.PutAsync(Mapping, "b-uuid", "b", 0, Token);
        await ControlPlane.PutAsync(Function, "a-uuid", "same id, other kind", 0, Token);

        Assert.True(await ControlPlane.DeleteAsync(Mapping, "a-uuid", 1, Token));

        Assert.Equal(["b-uuid"], (await ControlPlane.ListAsync(Mapping, Token)).Select(d => d.Id));
        Assert.Equal(["a-uuid"], (await ControlPlane.ListAsync(Function, Token)).Select(d => d.Id));
    }

    [Fact]
    public async Task Delete_StaleOrMissing_DeletesNothingAndAnswersFalse()
    {
        await ControlPlane.PutAsync(Mapping, "a-uuid", "a", 0, Token);
        await ControlPlane.PutAsync(Mapping, "a-uuid", "a2", 1, Token);

        Assert.False(await ControlPlane.DeleteAsync(Mapping, "a-uuid", 1, Token));
        Assert.False(await ControlPlane.DeleteAsync(Mapping, "missing", 1, Token));

        Assert.Equal([new ControlPlaneDocument(Mapping, "a-uuid", 2, "a2")], await ControlPlane.ListAsync(Mapping, Token));
    }

    [Fact]
    public async Task Put_AfterDelete_CreatesAgainAtRevisionOne()
    {
        await ControlPlane.PutAsync(Mapping, "a-uuid", "a", 0, Token);
        await ControlPlane.DeleteAsync(Mapping, "a-uuid", 1, Token);

        Assert.Equal(new ControlPlaneDocument(Mapping, "a-uuid", 1, "again"), await ControlPlane.PutAsync(Mapping, "a-uuid", "again", 0, Token));
    }

    [Fact]
    public async Task Put_RacingCreates_ExactlyOneWins()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => ControlPlane.PutAsync(Function, "score", $"node-{i}", 0, Token)));

        var winner = Assert.Single(results, r => r is not null);
        Assert.Equal([winner!], await ControlPlane.ListAsync(Function, Token));
    }
}
