using System.Security.Cryptography;
using System.Text;
using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Server.EventSources.Leases;
using Game.Server.EventSources.Sources;
using Game.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Game.Server.EventSources;

/// <summary>
/// A function's event source mapping on the stream: a <see cref="LeaseCoordinator"/> decides which of the
/// source's shards this node holds, and one <see cref="ShardReader"/> runs per held shard, each invoking the
/// function through a <see cref="FunctionShardTarget"/>.
/// </summary>
/// <remarks>
/// Every <see cref="LeaseOptions.RenewInterval"/>, and whenever a reader ends, the poller lists the shards and runs
/// a lease round: it starts readers for leases it took (a child only after its parents' leases read SHARD_END)
/// and stops those whose lease another node took. On a graceful stop it stops its readers (each lands its last
/// checkpoint) and then releases its leases, so another node continues at once. A single node takes every
/// lease in its first round. The embedded stream is this node's alone, so over it the coordinator runs exclusive:
/// it takes every shard at start and does not balance (see <see cref="LeaseCoordinator"/>).
/// </remarks>
public sealed partial class ShardPoller(
    string functionName,
    IShardSource source,
    IShardLeaseStore leases,
    IServiceProvider services,
    IGrainFactory grains,
    FunctionConcurrency concurrency,
    IOptionsMonitor<EventSourceMappingOptions> optionsMonitor,
    IOptions<LeaseOptions> leaseOptions,
    DataDirectory data,
    FunctionMetrics metrics,
    TimeProvider time,
    ILogger<ShardPoller> logger) : BackgroundService
{
    /// <summary>How long a graceful stop waits for the store to take the releases.</summary>
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>This node as a lease owner: <see cref="LeaseOptions.OwnerId"/>, else stable per machine and data directory.</summary>
    public static string OwnerFor(LeaseOptions options, DataDirectory data) =>
        options.OwnerId ?? $"{Environment.MachineName}/{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(data.Path)))[..12]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = leaseOptions.Value;
        var coordinator = new LeaseCoordinator(
            ShardReader.LeaseKey(functionName, source.StreamName, ""), OwnerFor(options, data), leases, options, time, logger,
            // The embedded stream lives in this process: no other node can read its shards, so none are shared.
            exclusive: source is EmbeddedShardSource);
        var readers = new Dictionary<string, (CancellationTokenSource Stop, Task<ShardReaderOutcome> Run)>(StringComparer.Ordinal);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // The next round is due a renew interval after this one starts, however long this one takes: on a
                // slow store, waiting a full interval after each round stretched the time between renewals (and
                // between the scans that notice a dead node) by the round's own duration.
                var next = Task.Delay(options.RenewInterval, time, stoppingToken);
                try
                {
                    var changes = await coordinator.SyncAsync(await source.ListShardsAsync(stoppingToken), stoppingToken);
                    foreach (var lost in changes.Stop)
                    {
                        LogLeaseLost(logger, functionName, lost.ShardId, lost.LeaseCounter);
                        if (readers.TryGetValue(lost.ShardId, out var reader))
                        {
                            await reader.Stop.CancelAsync();
                        }
                    }

                    foreach (var lease in changes.Start)
                    {
                        if (readers.Remove(lease.ShardId, out var previous))
                        {
                            // Lost and taken back before the old reader ended: let it end first (its checkpoints are
                            // fenced off already), and forget its outcome, which is about the old lease.
                            await previous.Stop.CancelAsync();
                            await previous.Run.ContinueWith(_ => { }, TaskScheduler.Default);
                            previous.Stop.Dispose();
                        }

                        var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                        var reader = ReaderFor(lease, coordinator.Owner);
                        readers[lease.ShardId] = (stop, Task.Run(() => reader.RunAsync(stop.Token), CancellationToken.None));
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    // The store or the stream is away: held leases stay held (their readers fence themselves if
                    // another node takes them meanwhile); try again next round.
                    LogRoundFailed(logger, ex, functionName);
                }

                // The next round, or sooner when a reader ends (a finished parent lets its children start).
                await Task.WhenAny(readers.Values.Select(r => (Task)r.Run).Append(next));
                foreach (var (shardId, reader) in readers.Where(r => r.Value.Run.IsCompleted).ToList())
                {
                    readers.Remove(shardId);
                    reader.Stop.Dispose();
                    var outcome = reader.Run.IsCompletedSuccessfully ? reader.Run.Result : ShardReaderOutcome.Stopped;
                    try
                    {
                        await coordinator.ReaderEndedAsync(shardId, outcome, stoppingToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogRoundFailed(logger, ex, functionName);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Graceful stop: the readers land their last checkpoints, then the leases go back at once.
            foreach (var reader in readers.Values)
            {
                await reader.Stop.CancelAsync();
            }

            await Task.WhenAll(readers.Values.Select(r => r.Run)).ContinueWith(_ => { }, TaskScheduler.Default);
            using var releasing = new CancellationTokenSource(ReleaseTimeout, time);
            await coordinator.ReleaseAllAsync(releasing.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            foreach (var reader in readers.Values)
            {
                reader.Stop.Dispose();
            }
        }
    }

    private ShardReader ReaderFor(Lease lease, string owner)
    {
        var options = optionsMonitor.Get(functionName);
        var lag = new ShardReadLag(time);
        var target = new FunctionShardTarget(
            functionName, source.StreamName, lease.ShardId, options, grains, concurrency,
            services.GetRequiredService<IDeadLetterStore>, metrics, time, logger, lag);
        return new ShardReader(functionName, lease.ShardId, owner, source, leases, options, target, metrics, time, logger, lease, lag);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} lost the lease of {ShardId} (held with counter {LeaseCounter}) to another processor; this reader stops")]
    private static partial void LogLeaseLost(ILogger logger, string function, string shardId, long leaseCounter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A lease round for {Function} failed; held leases stay held, retrying next round")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception, string function);
}
