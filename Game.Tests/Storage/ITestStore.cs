using Game.Functions.Contracts;
using Game.Server.EventSources.Leases;
using Game.Server.Functions.AsyncInvocations;
using Game.Server.Functions.ControlPlane;

namespace Game.Tests.Storage;

/// <summary>
/// One store technology's three adapters over one file or one set of tables, wired as the server wires them,
/// for a test. Disposing it disposes the file or client (and removes what it created, when it created it).
/// </summary>
public interface ITestStore : IAsyncDisposable
{
    IGameStore Games { get; }

    IShardLeaseStore Leases { get; }

    IDeadLetterStore DeadLetters { get; }

    IControlPlaneStore ControlPlane { get; }

    IAsyncEventStore AsyncEvents { get; }

    /// <summary>
    /// A lease's checkpoint as the file or table holds it, or null when there is none. The lease port has no read
    /// (the event sources get the checkpoint with the lease), so tests look at the stored row directly.
    /// </summary>
    Task<string?> ReadCheckpointAsync(string leaseKey, CancellationToken cancellationToken);
}
