using System.Collections.Concurrent;
using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Microsoft.Extensions.Options;

namespace Game.Server.Functions.AsyncInvocations;

/// <summary>
/// Runs queued Event invocations as Lambda does: at most <see cref="AsyncInvocationOptions.MaxConcurrency"/> at once
/// on this node (and a function's reserved concurrency, if it has one), a failed event retried
/// <c>MaximumRetryAttempts</c> times with growing waits, an event older than <c>MaximumEventAgeInSeconds</c> not run
/// again; what is given up on goes to the dead letters (the on-failure destination) with its request id, attempts,
/// last error and payload.
/// </summary>
/// <remarks>
/// Any node may run any event. It first claims it: a write of itself as owner, conditional on the revision it listed,
/// so of two nodes only one wins, and the claim lasts the function's timeout plus
/// <see cref="AsyncInvocationOptions.ClaimGraceSeconds"/>. A node that dies while running an event leaves a claim that
/// lapses, and the event runs again elsewhere: delivery is at least once, as Lambda's. On a graceful stop the node
/// claims nothing more and lets what it runs finish.
/// </remarks>
public sealed partial class AsyncEventWorker(
    IAsyncEventStore store,
    AsyncEventQueue queue,
    IAsyncFunctionSettings settings,
    IAsyncFunctionInvoker invoker,
    IDeadLetterStore deadLetters,
    AsyncInvocationMetrics metrics,
    FunctionMetrics functionMetrics,
    IOptions<AsyncInvocationOptions> options,
    TimeProvider time,
    ILogger<AsyncEventWorker> logger) : IHostedService, IDisposable
{
    public const string RetriesExhausted = nameof(RetriesExhausted);
    public const string EventAgeExceeded = nameof(EventAgeExceeded);

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, int> _runningByFunction = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _runs = new();
    private int _running;
    private Task? _loop;

    /// <summary>This node's name on its claims: unique per process, so a restarted node does not mistake an old claim for its own.</summary>
    public string Owner { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => LoopAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        // What runs finishes and records its outcome; the host's shutdown timeout bounds the wait (a claim left
        // behind lapses and the event runs again).
        await Task.WhenAll(_runs.Keys).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>
    /// One pass: claims what is visible, as far as free slots go, and starts running it; gives up on events too old
    /// and pushes back those of a function at its reserved concurrency.
    /// </summary>
    /// <returns>The runs started (the loop does not wait for them; tests do).</returns>
    public async Task<IReadOnlyList<Task>> StartVisibleAsync(CancellationToken cancellationToken)
    {
        var value = options.Value;
        var free = value.MaxConcurrency - Volatile.Read(ref _running);
        if (free <= 0)
        {
            return [];
        }

        var now = time.GetUtcNow();
        // More than the free slots: some may be throttled, too old, or claimed by another node meanwhile.
        var visible = await store.ListVisibleAsync(now, free + 32, cancellationToken);
        var started = new List<Task>();
        foreach (var listed in visible)
        {
            if (started.Count >= free)
            {
                break;
            }

            var function = settings.Of(listed.FunctionName);
            if (function is null || now - listed.ReceivedAt > function.MaximumEventAge)
            {
                if (await ClaimAsync(listed, now + TimeSpan.FromSeconds(value.ClaimGraceSeconds), cancellationToken) is { } old)
                {
                    await GiveUpAsync(
                        function is null ? old with { LastError = $"ResourceNotFoundException: Function not found: {old.FunctionName}" } : old,
                        function is null ? RetriesExhausted : EventAgeExceeded,
                        cancellationToken);
                }

                continue;
            }

            if (function.ReservedConcurrentExecutions is { } reserved && RunningOf(listed.FunctionName) >= reserved)
            {
                // Lambda puts a throttled event back in its queue and tries again later; it still ages meanwhile.
                functionMetrics.Throttles.Add(1, new KeyValuePair<string, object?>("function", listed.FunctionName));
                await store.PutAsync(listed with { Owner = null, VisibleAt = now + TimeSpan.FromSeconds(value.ThrottleRetrySeconds) }, cancellationToken);
                continue;
            }

            if (await ClaimAsync(listed, now + function.Timeout + TimeSpan.FromSeconds(value.ClaimGraceSeconds), cancellationToken) is not { } claimed)
            {
                continue;
            }

            Interlocked.Increment(ref _running);
            _runningByFunction.AddOrUpdate(claimed.FunctionName, 1, (_, n) => n + 1);
            var run = Task.Run(() => RunAsync(claimed, function), CancellationToken.None);
            _runs.TryAdd(run, 0);
            _ = run.ContinueWith(t => _runs.TryRemove(t, out _), TaskScheduler.Default);
            started.Add(run);
        }

        return started;
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        var poll = TimeSpan.FromSeconds(options.Value.PollIntervalSeconds);
        while (!cancellationToken.IsCancellationRequested)
        {
            // Taken before the pass, so an event accepted during it wakes the next one.
            var signal = queue.Signal;
            try
            {
                await StartVisibleAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The store is away: the events stay queued; look again at the next poll.
                LogPassFailed(logger, ex);
            }

            await Task.WhenAny(signal, Task.Delay(poll, time, cancellationToken));
        }
    }

    private Task<AsyncEvent?> ClaimAsync(AsyncEvent listed, DateTimeOffset until, CancellationToken cancellationToken) =>
        store.PutAsync(listed with { Owner = Owner, VisibleAt = until }, cancellationToken);

    /// <summary>One attempt and what follows from it: done, a retry later, or the dead letters.</summary>
    private async Task RunAsync(AsyncEvent claimed, AsyncFunctionSettings function)
    {
        var tags = new KeyValuePair<string, object?>("function", claimed.FunctionName);
        try
        {
            metrics.AsyncEventAge.Record((time.GetUtcNow() - claimed.ReceivedAt).TotalMilliseconds, tags);
            string? error;
            try
            {
                // Not cancelled on stop: the attempt finishes and its outcome is recorded.
                error = await invoker.InvokeAsync(claimed.FunctionName, claimed.Payload, CancellationToken.None);
            }
            catch (Exception ex)
            {
                error = $"{ex.GetType().Name}: {ex.Message}";
            }

            if (error is null)
            {
                await store.DeleteAsync(claimed.Id, claimed.Revision, CancellationToken.None);
                return;
            }

            var failed = claimed with { Attempts = claimed.Attempts + 1, LastError = error };
            LogAttemptFailed(logger, failed.FunctionName, failed.Id, failed.Attempts, error);
            if (failed.Attempts > function.MaximumRetryAttempts)
            {
                await GiveUpAsync(failed, RetriesExhausted, CancellationToken.None);
                return;
            }

            await store.PutAsync(failed with { Owner = null, VisibleAt = time.GetUtcNow() + options.Value.RetryDelay(failed.Attempts) }, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The store failed: the claim lapses and the event runs again (at least once, as Lambda's).
            LogRunFailed(logger, claimed.FunctionName, claimed.Id, ex);
        }
        finally
        {
            _runningByFunction.AddOrUpdate(claimed.FunctionName, 0, (_, n) => n - 1);
            Interlocked.Decrement(ref _running);
            queue.Wake();
        }
    }

    /// <summary>Sends a claimed event to the dead letters, then takes it off the queue.</summary>
    private async Task GiveUpAsync(AsyncEvent claimed, string condition, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await deadLetters.AddAsync(new DeadLetter
        {
            Id = $"{now.ToUnixTimeMilliseconds():D13}-{Guid.NewGuid():N}",
            FunctionName = claimed.FunctionName,
            BatchSize = 1,
            Condition = condition,
            Error = claimed.LastError,
            Attempts = claimed.Attempts,
            FailedAt = now,
            RequestId = claimed.Id,
            Payload = claimed.Payload,
        }, cancellationToken);
        await store.DeleteAsync(claimed.Id, claimed.Revision, cancellationToken);
        metrics.AsyncEventsDropped.Add(1, new KeyValuePair<string, object?>("function", claimed.FunctionName));
        LogGaveUp(logger, claimed.FunctionName, claimed.Id, condition, claimed.Attempts);
    }

    private int RunningOf(string functionName) => _runningByFunction.GetValueOrDefault(functionName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event invocation of {Function} ({RequestId}) failed, attempt {Attempt}: {Error}")]
    private static partial void LogAttemptFailed(ILogger logger, string function, string requestId, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up on the Event invocation of {Function} ({RequestId}): {Condition} after {Attempts} attempts; sent to the dead letters")]
    private static partial void LogGaveUp(ILogger logger, string function, string requestId, string condition, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for queued Event invocations failed; looking again at the next poll")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording the outcome of the Event invocation of {Function} ({RequestId}) failed; it runs again when its claim lapses")]
    private static partial void LogRunFailed(ILogger logger, string function, string requestId, Exception exception);
}
