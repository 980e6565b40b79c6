namespace LoadTest.Phones;

/// <summary>
/// One timer for every phone of a run: phones wait here for their next send, and each send's ack deadline is a
/// cancellation shared by the sends begun in the same slice of time. A timer per phone plus one per send (for the
/// ack timeout) put thousands of entries in the runtime's timer queue, whose scans took a tenth of the tool's CPU at
/// 2,000 phones: CPU the server on the same machine went without.
/// </summary>
/// <remarks>Send times are kept to <see cref="Resolution"/>; ack deadlines fire up to <see cref="DeadlineSlice"/> late.</remarks>
public sealed class SendClock : IAsyncDisposable
{
    public static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(5);

    public static readonly TimeSpan DeadlineSlice = TimeSpan.FromMilliseconds(250);

    private readonly TimeProvider _time;
    private readonly TimeSpan _ackTimeout;
    private readonly CancellationTokenSource _stop;
    private readonly PriorityQueue<TaskCompletionSource, long> _waiting = new();
    private readonly Queue<(long CancelAt, CancellationTokenSource Deadline)> _deadlines = new();
    private readonly Lock _lock = new();
    private readonly Task _ticking;
    private (long Slice, CancellationTokenSource Deadline)? _currentDeadline;

    public SendClock(TimeProvider time, TimeSpan ackTimeout, CancellationToken cancellationToken)
    {
        _time = time;
        _ackTimeout = ackTimeout;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _ticking = TickAsync();
    }

    /// <summary>Completes at <paramref name="timestamp"/> (a <see cref="TimeProvider.GetTimestamp"/>), or at once when it has passed; cancelled with the run.</summary>
    public Task WaitUntilAsync(long timestamp)
    {
        if (timestamp <= _time.GetTimestamp())
        {
            return Task.CompletedTask;
        }

        var due = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_stop.IsCancellationRequested)
            {
                return Task.FromCanceled(_stop.Token);
            }

            _waiting.Enqueue(due, timestamp);
        }

        return due.Task;
    }

    /// <summary>A token cancelled once an ack for a send begun now is overdue (or when the run is cancelled).</summary>
    public CancellationToken AckDeadline()
    {
        var now = _time.GetTimestamp();
        var slice = now / ToTicks(DeadlineSlice);
        lock (_lock)
        {
            if (_currentDeadline is not { } current || current.Slice != slice)
            {
                var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                _deadlines.Enqueue(((slice + 1) * ToTicks(DeadlineSlice) + ToTicks(_ackTimeout), deadline));
                current = (slice, deadline);
                _currentDeadline = current;
            }

            return current.Deadline.Token;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _ticking;
        _stop.Dispose();
    }

    private async Task TickAsync()
    {
        using var timer = new PeriodicTimer(Resolution, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Release(_time.GetTimestamp());
            }
        }
        catch (OperationCanceledException)
        {
        }

        lock (_lock)
        {
            while (_waiting.TryDequeue(out var due, out _))
            {
                due.TrySetCanceled(_stop.Token);
            }

            while (_deadlines.TryDequeue(out var entry))
            {
                entry.Deadline.Dispose();
            }
        }
    }

    private void Release(long now)
    {
        var released = new List<TaskCompletionSource>();
        var overdue = new List<CancellationTokenSource>();
        lock (_lock)
        {
            while (_waiting.TryPeek(out var due, out var at) && at <= now)
            {
                _waiting.Dequeue();
                released.Add(due);
            }

            while (_deadlines.TryPeek(out var entry) && entry.CancelAt <= now)
            {
                _deadlines.Dequeue();
                overdue.Add(entry.Deadline);
            }
        }

        foreach (var due in released)
        {
            due.TrySetResult();
        }

        foreach (var deadline in overdue)
        {
            deadline.Cancel();
            deadline.Dispose();
        }
    }

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);
}
