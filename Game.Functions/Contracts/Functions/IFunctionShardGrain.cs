
namespace Game.Functions.Contracts;

/// <summary>
/// Hosts one function for one shard lane (key: <see cref="FunctionShardKey"/>, <c>{function}/{shardId}/{lane}</c>),
/// the way Lambda runs an execution environment: init once per activation, then warm invocations in order.
/// </summary>
public interface IFunctionShardGrain : IGrainWithStringKey
{
    Task<InvocationResult> Invoke(ShardBatch batch);

    /// <summary>Invokes a tumbling-window function with the window's records (none on the final invocation) and state.</summary>
    Task<InvocationResult> InvokeWindow(ShardBatch batch, WindowInput window);
}
