using Game.Server.EventSources;
using Game.Server.Functions.ControlPlane;
using Game.Tests.Storage;

namespace Game.Tests.Functions.ControlPlane;

/// <summary>Two nodes' views of one store: what one writes, the other sees at its next refresh, and is woken for.</summary>
public sealed class FunctionConfigurationsTests : IAsyncLifetime
{
    private SqliteTestStore _store = null!;

    public async Task InitializeAsync() => _store = await SqliteTestStore.CreateTemporaryAsync(CancellationToken.None);

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task Refresh_AnotherNodesWrite_IsSeenAndCompletesChanged()
    {
        var nodeA = new FunctionConfigurations(_store.ControlPlane);
        var nodeB = new FunctionConfigurations(_store.ControlPlane);
        await nodeB.RefreshAsync(CancellationToken.None);
        var changed = nodeB.Changed;

        var created = await nodeA.PutMappingAsync(Mapping(batchSize: 100), 0, CancellationToken.None);
        Assert.False(changed.IsCompleted);
        await nodeB.RefreshAsync(CancellationToken.None);

        Assert.True(changed.IsCompletedSuccessfully);
        Assert.Equal(100, nodeB.MappingOf("score")!.Options.BatchSize);
        Assert.Equal(created!.Revision, nodeB.MappingOf("score")!.Revision);

        var next = nodeB.Changed;
        await nodeA.PutMappingAsync(created with { Options = new EventSourceMappingOptions { BatchSize = 7, Enabled = false } }, created.Revision, CancellationToken.None);
        await nodeB.RefreshAsync(CancellationToken.None);

        Assert.True(next.IsCompletedSuccessfully);
        Assert.Equal(7, nodeB.MappingOf("score")!.Options.BatchSize);
        Assert.False(nodeB.MappingOf("score")!.Reads);
    }

    [Fact]
    public async Task Refresh_NothingMoved_LeavesChangedPending()
    {
        var node = new FunctionConfigurations(_store.ControlPlane);
        await node.PutMappingAsync(Mapping(batchSize: 100), 0, CancellationToken.None);
        var changed = node.Changed;

        await node.RefreshAsync(CancellationToken.None);

        Assert.False(changed.IsCompleted);
    }

    [Fact]
    public async Task PutMapping_StaleRevision_AnswersNullAndKeepsTheWinner()
    {
        var nodeA = new FunctionConfigurations(_store.ControlPlane);
        var nodeB = new FunctionConfigurations(_store.ControlPlane);
        var created = await nodeA.PutMappingAsync(Mapping(batchSize: 100), 0, CancellationToken.None);

        Assert.NotNull(await nodeA.PutMappingAsync(created! with { State = MappingStates.Disabling }, created.Revision, CancellationToken.None));
        Assert.Null(await nodeB.PutMappingAsync(created with { State = MappingStates.Updating }, created.Revision, CancellationToken.None));

        Assert.Equal(MappingStates.Disabling, nodeB.MappingOf("score")!.State);
    }

    [Fact]
    public async Task Get_SettingsRevisionMovesWithTimeoutMemoryOrEnvironmentOnly()
    {
        var node = new FunctionConfigurations(_store.ControlPlane);
        var function = await node.PutFunctionAsync(new FunctionConfiguration { FunctionName = "score", Timeout = 3, MemorySize = 128 }, 0, CancellationToken.None);
        var first = node.Get("score")!;

        var reserved = await node.PutFunctionAsync(function! with { ReservedConcurrentExecutions = 5 }, function.Revision, CancellationToken.None);
        Assert.Equal(first.Revision, node.Get("score")!.Revision);

        await node.PutFunctionAsync(reserved! with { MemorySize = 512, Environment = new Dictionary<string, string> { ["RULE"] = "v2" } }, reserved.Revision, CancellationToken.None);
        var changed = node.Get("score")!;

        Assert.NotEqual(first.Revision, changed.Revision);
        Assert.Equal(512, changed.MemorySize);
        Assert.Equal(TimeSpan.FromSeconds(3), changed.Timeout);
        Assert.Equal("v2", changed.Environment["RULE"]);
        Assert.Null(node.Get("player-rank"));
    }

    private static EventSourceMapping Mapping(int batchSize) => new()
    {
        Uuid = "6b1e0b9e-3b0e-4a53-9b64-4f5f6f3c2a10",
        FunctionName = "score",
        StreamName = "motion",
        Options = new EventSourceMappingOptions { BatchSize = batchSize },
        State = MappingStates.Enabled,
        LastModified = new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero),
    };
}
