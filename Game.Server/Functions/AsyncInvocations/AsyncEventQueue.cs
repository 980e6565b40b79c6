using System.Diagnostics;

namespace Game.Server.Functions.AsyncInvocations;

/// <summary>
/// The front of the queue: an accepted Event invocation is written to the <see cref="IAsyncEventStore"/> (and so
/// survives a restart) before the Invoke API answers 202, and this node's <see cref="AsyncEventWorker"/> is woken
/// to run it at once.
/// </summary>
public sealed class AsyncEventQueue(IAsyncEventStore store, AsyncInvocationMetrics metrics, TimeProvider time)
{
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when an event is added or a slot frees up on this node; ask again for the next.</summary>
    public Task Signal => Volatile.Read(ref _added).Task;

    /// <summary>Stores the event, visible at once.</summary>
    /// <exception cref="AsyncEventTooLargeException">The store cannot hold this payload.</exception>
    public async Task AcceptAsync(string functionName, string requestId, byte[] payload, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stored = await store.PutAsync(new AsyncEvent
        {
            Id = requestId,
            FunctionName = functionName,
            Payload = payload,
            ReceivedAt = now,
            VisibleAt = now,
        }, cancellationToken);
        if (stored is null)
        {
            throw new UnreachableException($"Request id {requestId} is taken: request ids are fresh GUIDs.");
        }

        metrics.AsyncEventsReceived.Add(1, new KeyValuePair<string, object?>("function", functionName));
        Wake();
    }

    /// <summary>Makes the worker look for events now rather than at its next poll.</summary>
    public void Wake() =>
        Interlocked.Exchange(ref _added, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
