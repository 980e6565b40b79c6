namespace Game.Server.Functions.AsyncInvocations;

/// <summary>
/// An Event invocation accepted (202) and not finished yet: waiting for its first attempt, waiting for a retry, or
/// claimed by a node that is running it.
/// </summary>
public sealed record AsyncEvent
{
    /// <summary>The request id answered with the 202 (<c>x-amzn-RequestId</c>); the same for every attempt.</summary>
    public string Id { get; init; } = "";

    public string FunctionName { get; init; } = "";

    /// <summary>The invocation's JSON payload, as the caller sent it.</summary>
    public byte[] Payload { get; init; } = [];

    /// <summary>When the 202 was answered: MaximumEventAgeInSeconds counts from here.</summary>
    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Invocations made so far (each one failed, or it would be gone).</summary>
    public int Attempts { get; init; }

    /// <summary>The last attempt's error (<c>ErrorType: message</c>), or null before the first.</summary>
    public string? LastError { get; init; }

    /// <summary>
    /// When a worker may take it next: its next attempt's time while it waits, the end of the claim while a node runs
    /// it (a claim that lapses, because its node died, makes it visible again).
    /// </summary>
    public DateTimeOffset VisibleAt { get; init; }

    /// <summary>The node whose claim it is under, or null while it waits.</summary>
    public string? Owner { get; init; }

    /// <summary>The store's revision: 0 before it is stored, 1 when added, bumped by every write.</summary>
    public long Revision { get; init; }
}

/// <summary>
/// The queue of accepted Event invocations, kept in the store so that an accepted event survives a restart and any
/// node of a cluster can run it. Implemented by the embedded file store and DynamoDB (Game.Server/Storage/Sqlite,
/// Game.Server/Storage/DynamoDb); both pass the same contract tests.
/// </summary>
/// <remarks>
/// Every write is conditional on the revision the writer read (as <c>IControlPlaneStore</c>'s): a claim is a write
/// of <see cref="AsyncEvent.Owner"/> and <see cref="AsyncEvent.VisibleAt"/> at the revision listed, so of two nodes
/// that list the same event, one claims it and the other's write is refused. No transactions.
/// </remarks>
public interface IAsyncEventStore
{
    /// <summary>
    /// Writes <paramref name="asyncEvent"/> when the stored revision is still its <see cref="AsyncEvent.Revision"/>
    /// (0: only when no event has its id yet), bumping the revision.
    /// </summary>
    /// <returns>The event as written (its new revision), or null when the revision moved: nothing was written.</returns>
    /// <exception cref="AsyncEventTooLargeException">The store cannot hold this payload.</exception>
    Task<AsyncEvent?> PutAsync(AsyncEvent asyncEvent, CancellationToken cancellationToken);

    /// <summary>Removes the event when its revision is still <paramref name="expectedRevision"/>; false when gone or moved on.</summary>
    Task<bool> DeleteAsync(string id, long expectedRevision, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> events visible at <paramref name="now"/>, earliest <see cref="AsyncEvent.VisibleAt"/> first (then by id).</summary>
    Task<IReadOnlyList<AsyncEvent>> ListVisibleAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>Every event, in id order, read consistently.</summary>
    Task<IReadOnlyList<AsyncEvent>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>The store cannot hold an event this large (DynamoDB's 400 KB item, say): the invocation is refused with 413.</summary>
public sealed class AsyncEventTooLargeException(string message) : Exception(message);
