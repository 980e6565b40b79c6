using Game.Server.EventSources.Leases;
using Game.Server.EventSources.Sources;

namespace Game.Server.EventSources;

/// <summary>
/// One shard's checkpoints under one lease, written behind the reader: at most one in flight, landed in order,
/// each fenced by the lease's counter. <see cref="Durable"/> is where the reader goes back to after an error.
/// </summary>
/// <remarks>
/// Writing the checkpoint while the next batch is read and processed, rather than before, saves every batch one
/// commit on the store; a crash before it is durable only means that batch is processed again, which the
/// functions' exactly-once effects make harmless.
/// </remarks>
public sealed class CheckpointPipeline(IShardLeaseStore leases, string leaseKey, long leaseCounter, ShardPosition durable, TimeProvider time)
{
    /// <summary>How long stopping waits for the last checkpoint before giving up on a dead store.</summary>
    private static readonly TimeSpan FinishTimeout = TimeSpan.FromSeconds(5);

    private Task<ShardPosition>? _inFlight;

    /// <summary>The counter the lease was acquired with: the fence every checkpoint is written under.</summary>
    public long LeaseCounter => leaseCounter;

    /// <summary>The last position known to be written (or where reading started, before any checkpoint landed).</summary>
    public ShardPosition Durable { get; private set; } = durable;

    /// <summary>Starts writing a checkpoint at <paramref name="sequenceNumber"/>; land the one before first.</summary>
    /// <exception cref="InvalidOperationException">A checkpoint is still in flight.</exception>
    public void Begin(string sequenceNumber, ShardPosition position)
    {
        if (_inFlight is not null)
        {
            throw new InvalidOperationException("A checkpoint is still in flight: land it first, so checkpoints land in order.");
        }

        _inFlight = WriteAsync(sequenceNumber, position);
    }

    /// <summary>Waits for the checkpoint in flight, if any, and moves <see cref="Durable"/> to it.</summary>
    /// <exception cref="LeaseLostException">Another processor acquired the lease since.</exception>
    public async Task LandAsync()
    {
        if (_inFlight is { } writing)
        {
            Durable = await writing;
            _inFlight = null;
        }
    }

    /// <summary>After an error: stops waiting for the checkpoint in flight; <see cref="Durable"/> stays where it was.</summary>
    public void Abandon() => _inFlight = null;

    /// <summary>On shutdown, lets the last checkpoint land (so a restart does not redo the batch) without waiting on a dead store for long.</summary>
    public async Task FinishAsync()
    {
        if (_inFlight is not { } writing)
        {
            return;
        }

        try
        {
            await writing.WaitAsync(FinishTimeout, time);
        }
        catch (Exception)
        {
            // Not written: the batch after the last written checkpoint is processed again on restart.
        }
    }

    private async Task<ShardPosition> WriteAsync(string sequenceNumber, ShardPosition position)
    {
        // Not cancelled with the reader: on shutdown the last checkpoint should still land (FinishAsync).
        await leases.SetCheckpointAsync(leaseKey, sequenceNumber, leaseCounter, CancellationToken.None);
        return position;
    }
}
