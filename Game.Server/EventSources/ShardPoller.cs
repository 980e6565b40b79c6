using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Server.EventSources.Leases;
using Game.Server.EventSources.Sources;
using Game.Server.Functions.ControlPlane;
using Game.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Game.Server.EventSources;

/// <summary>
/// A function's event source mapping on the stream, as the control plane says it is now
/// (<see cref="FunctionConfigurations"/>): while it is enabled, a <see cref="LeaseCoordinator"/> decides which of the
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
/// <para>A deleted mapping's position ends with it, as in Lambda: its readers stop and this node deletes the rows it
/// held instead of releasing them, then the rows nobody reads any more; the mapping leaves the control plane only
/// once it has no row left. So a mapping created afterwards (which the control plane refuses while the old one is
/// there) starts from its own StartingPosition, and no row of the old one is left for its readers to take.</para>
/// </remarks>
public sealed partial class ShardPoller(
    string functionName,
    IShardSource source,
    IShardLeaseStore leases,
    IServiceProvider services,
    IGrainFactory grains,
    FunctionConcurrency concurrency,
    FunctionConfigurations configurations,
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
        // A deleted mapping's cleanup, kept across rounds: a dead node's rows expire by being seen unchanged.
        (string Uuid, LeaseCoordinator Coordinator)? cleanup = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Asked before reading the mapping, so a change made in between still wakes the wait below.
                var changed = configurations.Changed;
                var mapping = configurations.MappingOf(functionName);
                if (mapping is { Reads: true })
                {
                    cleanup = null;
                    await ReadShardsAsync(mapping, stoppingToken);
                    continue;
                }

                if (mapping is { State: MappingStates.Deleting })
                {
                    // Nothing reads it here any more (this node's rows went when reading stopped): the rest of its rows
                    // go before it does.
                    if (cleanup?.Uuid != mapping.Uuid)
                    {
                        cleanup = (mapping.Uuid, CoordinatorFor(leaseOptions.Value));
                    }

                    if (!await DeleteLeasesAsync(cleanup.Value.Coordinator, stoppingToken))
                    {
                        // Another node still reads it (it has not applied the deletion yet) or died holding a lease:
                        // look again after a renew interval, or sooner when the control plane changes.
                        await Task.WhenAny(changed, Task.Delay(leaseOptions.Value.RenewInterval, time, stoppingToken));
                        continue;
                    }
                }
                else
                {
                    cleanup = null;
                }

                if (mapping is not null)
                {
                    // Disabling (the leases went back when reading stopped), or Deleting without a row left.
                    await SettleAsync(mapping, stoppingToken);
                }

                await changed.WaitAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Reads the mapping's shards while it is enabled: lease rounds, one reader per held shard. A change of the
    /// mapping (or of the function's reserved concurrency) restarts the readers at their checkpoints with the new
    /// settings, leases kept; disabling it stops them and hands the leases back, checkpoints kept; deleting it (or
    /// replacing it by another mapping between two refreshes) stops them and deletes the leases they held.
    /// </summary>
    private async Task ReadShardsAsync(EventSourceMapping mapping, CancellationToken stoppingToken)
    {
        var options = leaseOptions.Value;
        var coordinator = CoordinatorFor(options);
        var readers = new Dictionary<string, (CancellationTokenSource Stop, Task<ShardReaderOutcome> Run)>(StringComparer.Ordinal);
        var applied = AppliedKey();
        EventSourceMapping? toSettle = mapping;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var changed = configurations.Changed;
                // The next round is due a renew interval after this one starts, however long this one takes: on a
                // slow store, waiting a full interval after each round stretched the time between renewals (and
                // between the scans that notice a dead node) by the round's own duration.
                var next = Task.Delay(options.RenewInterval, time, stoppingToken);
                try
                {
                    var changes = await coordinator.SyncAsync(await source.ListShardsAsync(stoppingToken), stoppingToken);
                    if (changes.FollowUpSoon)
                    {
                        // Another node is releasing its leases: take the rest as soon as they are free.
                        next = Task.Delay(LeaseCoordinator.FollowUpInterval, time, stoppingToken);
                    }

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

                    if (toSettle is not null && readers.Values.All(r => !r.Stop.IsCancellationRequested))
                    {
                        // Every reader runs with the mapping as changed: Creating, Enabling or Updating is over.
                        await SettleAsync(toSettle, stoppingToken);
                        toSettle = null;
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

                // The next round, or sooner when a reader ends (a finished parent lets its children start) or the
                // mapping changes.
                await Task.WhenAny(readers.Values.Select(r => (Task)r.Run).Append(next).Append(changed));
                if (configurations.MappingOf(functionName) is not { Reads: true } current || current.Uuid != mapping.Uuid)
                {
                    // Disabled, deleted, or deleted and created again between two refreshes: the finally below stops
                    // the readers, then hands the leases back or deletes them.
                    LogPaused(logger, functionName);
                    return;
                }

                if (AppliedKey() is var now && now != applied)
                {
                    // Reconfigured: readers stop at their checkpoints and start again next round with the new settings.
                    applied = now;
                    toSettle = configurations.MappingOf(functionName);
                    LogReconfigured(logger, functionName, readers.Count);
                    foreach (var reader in readers.Values)
                    {
                        await reader.Stop.CancelAsync();
                    }

                    await Task.WhenAll(readers.Values.Select(r => r.Run)).ContinueWith(_ => { }, TaskScheduler.Default);
                }
                else if (configurations.MappingOf(functionName) is { Reads: true, State: not MappingStates.Enabled } unsettled && toSettle is null)
                {
                    toSettle = unsettled;
                }

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
            // Graceful stop (or a pause): the readers land their last checkpoints, then the leases go back at once.
            foreach (var reader in readers.Values)
            {
                await reader.Stop.CancelAsync();
            }

            await Task.WhenAll(readers.Values.Select(r => r.Run)).ContinueWith(_ => { }, TaskScheduler.Default);
            using var releasing = new CancellationTokenSource(ReleaseTimeout, time);
            if (configurations.MappingOf(functionName) is { } now && now.Uuid == mapping.Uuid && now.State != MappingStates.Deleting)
            {
                await coordinator.ReleaseAllAsync(releasing.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            else
            {
                // The mapping ended: its checkpoints end with it rather than pass to whoever takes the rows next.
                LogDeleted(logger, functionName, mapping.Uuid);
                await coordinator.DeleteAllAsync(releasing.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            foreach (var reader in readers.Values)
            {
                reader.Stop.Dispose();
            }
        }
    }

    /// <summary>This node's view of the mapping's leases (<c>{function}/{stream}/</c>).</summary>
    private LeaseCoordinator CoordinatorFor(LeaseOptions options) => new(
        ShardReader.LeaseKey(functionName, source.StreamName, ""), OwnerFor(options, data), leases, options, time, logger,
        // The embedded stream lives in this process: no other node can read its shards, so none are shared.
        exclusive: source is EmbeddedShardSource);

    /// <summary>One round of a deleted mapping's cleanup; answers whether it has no lease row left.</summary>
    private async Task<bool> DeleteLeasesAsync(LeaseCoordinator coordinator, CancellationToken cancellationToken)
    {
        try
        {
            return await coordinator.DeleteAbandonedAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRoundFailed(logger, ex, functionName);
            return false;
        }
    }

    /// <summary>What the readers were built from: the mapping's settings and the function's reserved concurrency.</summary>
    private string AppliedKey() =>
        $"{configurations.MappingOf(functionName)?.OptionsJson}|{configurations.Function(functionName)?.ReservedConcurrentExecutions}";

    /// <summary>
    /// Moves a transitional state (Creating, Enabling, Updating, Disabling) to where it settles, or removes a Deleting
    /// mapping (once its lease rows are gone), once this node applied it. Conditional on the revision: a newer change wins, and of several nodes
    /// settling at once one writes. In a cluster the first node to apply a change settles it; the others apply it
    /// within the refresh interval.
    /// </summary>
    private async Task SettleAsync(EventSourceMapping mapping, CancellationToken cancellationToken)
    {
        var settled = MappingStates.Settled(mapping.State, mapping.Options.Enabled);
        if (settled == mapping.State)
        {
            return;
        }

        try
        {
            if (settled is null)
            {
                await configurations.DeleteMappingAsync(mapping, cancellationToken);
            }
            else
            {
                await configurations.PutMappingAsync(mapping with { State = settled, LastModified = time.GetUtcNow() }, mapping.Revision, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Settled by the next change, or on the next start.
            LogRoundFailed(logger, ex, functionName);
        }
    }

    private ShardReader ReaderFor(Lease lease, string owner)
    {
        // A copy per reader: what it reads with does not move under it; a change restarts it instead.
        var mapping = configurations.MappingOf(functionName) ?? throw new InvalidOperationException($"Function {functionName} has no event source mapping.");
        var options = JsonSerializer.Deserialize<EventSourceMappingOptions>(mapping.OptionsJson, ControlPlaneJson.Options)!;
        options.ReservedConcurrentExecutions = configurations.Function(functionName)?.ReservedConcurrentExecutions ?? 0;
        var lag = new ShardReadLag(time);
        var target = new FunctionShardTarget(
            functionName, source.StreamName, lease.ShardId, options, grains, concurrency,
            services.GetRequiredService<IDeadLetterStore>, metrics, time, logger, lag);
        return new ShardReader(functionName, lease.ShardId, owner, source, leases, options, target, metrics, time, logger, lease, lag);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} lost the lease of {ShardId} (held with counter {LeaseCounter}) to another processor; this reader stops")]
    private static partial void LogLeaseLost(ILogger logger, string function, string shardId, long leaseCounter);

    [LoggerMessage(Level = LogLevel.Information, Message = "The event source mapping of {Function} changed; its {Readers} readers restart at their checkpoints with the new settings")]
    private static partial void LogReconfigured(ILogger logger, string function, int readers);

    [LoggerMessage(Level = LogLevel.Information, Message = "The event source mapping of {Function} is disabled, deleted or replaced; its readers stop at their checkpoints")]
    private static partial void LogPaused(ILogger logger, string function);

    [LoggerMessage(Level = LogLevel.Information, Message = "The event source mapping {Uuid} of {Function} was deleted; its readers stopped and the leases they held are deleted with their checkpoints")]
    private static partial void LogDeleted(ILogger logger, string function, string uuid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A lease round for {Function} failed; held leases stay held, retrying next round")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception, string function);
}
