using System.Collections.Concurrent;
using Game.Functions.Runtime;

namespace Game.Server.EventSources;

/// <summary>
/// Reserved concurrency per function: at most N invocations at once across all shards and lanes. An
/// invocation over the limit is throttled (counted in Throttles, like Lambda) and retried after a short wait.
/// </summary>
public sealed class FunctionConcurrency(FunctionMetrics metrics, TimeProvider time)
{
    private static readonly TimeSpan ThrottleRetryDelay = TimeSpan.FromMilliseconds(20);

    private readonly ConcurrentDictionary<string, Limit> _limits = new(StringComparer.Ordinal);

    /// <summary>Waits for a slot; a limit of 0 means none. Dispose the answer to give the slot back.</summary>
    public async Task<IDisposable> EnterAsync(string functionName, int limit, CancellationToken cancellationToken)
    {
        if (limit <= 0)
        {
            return NoSlot.Instance;
        }

        // A changed limit (PutFunctionConcurrency) gets a semaphore of its own; invocations holding the old one
        // give their slots back to it, so for one invocation's time both limits may count.
        var semaphore = _limits.AddOrUpdate(
            functionName,
            _ => new Limit(limit, new SemaphoreSlim(limit, limit)),
            (_, current) => current.Size == limit ? current : new Limit(limit, new SemaphoreSlim(limit, limit))).Semaphore;
        while (!semaphore.Wait(0, cancellationToken))
        {
            metrics.Throttles.Add(1, new KeyValuePair<string, object?>("function", functionName));
            await Task.Delay(ThrottleRetryDelay, time, cancellationToken);
        }

        return new Slot(semaphore);
    }

    private sealed record Limit(int Size, SemaphoreSlim Semaphore);

    private sealed class Slot(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }

    private sealed class NoSlot : IDisposable
    {
        public static readonly NoSlot Instance = new();

        public void Dispose()
        {
        }
    }
}
