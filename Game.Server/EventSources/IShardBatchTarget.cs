using Game.Functions.Contracts;

namespace Game.Server.EventSources;

/// <summary>
/// Where <see cref="ShardBatchProcessor"/> sends one shard's batches: the function, lane by lane, and the
/// on-failure destination for records it gives up on.
/// </summary>
public interface IShardBatchTarget
{
    /// <summary>Invokes the function with one lane's records, in order; answers how the invocation ended.</summary>
    Task<InvocationResult> InvokeAsync(int lane, IReadOnlyList<StreamRecord> records, CancellationToken cancellationToken);

    /// <summary>Hands records the mapping gave up on to the on-failure destination (or drops them when it has none).</summary>
    Task DeliverFailureAsync(FailedRecords failed, CancellationToken cancellationToken);
}

/// <summary>A target whose function aggregates tumbling windows (<c>ITumblingWindowFunction</c>).</summary>
public interface IWindowedShardTarget : IShardBatchTarget
{
    /// <summary>Invokes the function with a window's records (none on its final invocation) and the state carried into it.</summary>
    Task<InvocationResult> InvokeWindowAsync(IReadOnlyList<StreamRecord> records, WindowInput window, CancellationToken cancellationToken);
}
