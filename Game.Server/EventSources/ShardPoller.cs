using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Server.EventSources.Leases;
using Game.Server.EventSources.Sources;
using Microsoft.Extensions.Options;

namespace Game.Server.EventSources;

/// <summary>
/// A function's event source mapping on the stream: lists the source's shards and runs one
/// <see cref="ShardReader"/> per shard, each invoking the function through a <see cref="FunctionShardTarget"/>.
/// </summary>
/// <remarks>
/// Every listed shard is read at once: the embedded stream's shards have no parents and never end. A source with
/// lineage (Kinesis, issue 14) needs a child started only after its parents' readers ended with
/// <see cref="ShardReaderOutcome.ShardEnded"/>.
/// </remarks>
public sealed class ShardPoller(
    string functionName,
    IShardSource source,
    IShardLeaseStore leases,
    IServiceProvider services,
    IGrainFactory grains,
    FunctionConcurrency concurrency,
    IOptionsMonitor<EventSourceMappingOptions> optionsMonitor,
    FunctionMetrics metrics,
    TimeProvider time,
    ILogger<ShardPoller> logger) : BackgroundService
{
    /// <summary>This poller as a lease owner: unique per process and instance, readable in the store.</summary>
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var shards = await source.ListShardsAsync(stoppingToken);
        await Task.WhenAll(shards.Select(shard => Task.Run(() => ReaderFor(shard.ShardId).RunAsync(stoppingToken), stoppingToken)));
    }

    private ShardReader ReaderFor(string shardId)
    {
        var options = optionsMonitor.Get(functionName);
        var target = new FunctionShardTarget(
            functionName, source.StreamName, shardId, options, grains, concurrency,
            services.GetRequiredService<IDeadLetterStore>, metrics, time, logger);
        return new ShardReader(functionName, shardId, _owner, source, leases, options, target, metrics, time, logger);
    }
}
