using Game.Functions.Contracts;

namespace Game.Server.EventSources;

/// <summary>
/// One shard's tumbling windows (TumblingWindowInSeconds): splits each polled batch at window boundaries, invokes
/// the function with each run and the window's state under Lambda's retry rules (<see cref="ShardBatchProcessor"/>),
/// keeps the state it answers, and ends a window with a final invocation when a record of a later window comes,
/// when its end passes with no record (<see cref="CloseAsync"/>), or early when its state grows past the limit.
/// </summary>
/// <remarks>The state lives as long as the shard's reader; see docs/functions.md.</remarks>
public sealed class TumblingWindows
{
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly EventSourceMappingOptions _options;
    private readonly IWindowedShardTarget _target;
    private readonly TimeProvider _time;
    private readonly TimeSpan _size;
    private readonly ShardBatchProcessor _processor;

    public TumblingWindows(EventSourceMappingOptions options, IWindowedShardTarget target, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.TumblingWindowInSeconds);
        _options = options;
        _target = target;
        _time = time;
        _size = TimeSpan.FromSeconds(options.TumblingWindowInSeconds);
        _processor = new ShardBatchProcessor(options, new OpenWindowTarget(this), time);
    }

    /// <summary>The window records are being aggregated into, if any.</summary>
    public TumblingWindow? Open { get; private set; }

    /// <summary>
    /// How long the reader may wait for a record before the open window must be closed: zero once its end has
    /// passed, infinite when no window is open.
    /// </summary>
    public TimeSpan TimeLeft => Open is { } window
        ? TimeSpan.FromTicks(Math.Max(0, (window.End - _time.GetUtcNow()).Ticks))
        : Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Processes a polled batch, in order. Returns only when every record succeeded, was filtered out or went to
    /// the on-failure destination, like <see cref="ShardBatchProcessor.ProcessAsync"/>.
    /// </summary>
    public async Task<ProcessingSummary> ProcessAsync(IReadOnlyList<StreamRecord> records, CancellationToken cancellationToken)
    {
        var total = new ProcessingSummary(0, 0, 0);
        // Records arrive in order, so each window's records are one run of the batch.
        foreach (var run in records.GroupBy(r => TumblingWindow.StartOf(r.ArrivalTime, _size)))
        {
            if (Open is not null && Open.Start != run.Key)
            {
                await CloseAsync(cancellationToken);
            }

            Open ??= new TumblingWindow(run.Key, _size);
            var summary = await _processor.ProcessAsync(run.ToList(), cancellationToken);
            total = new ProcessingSummary(total.FilteredOut + summary.FilteredOut, total.Failed + summary.Failed, total.Invocations + summary.Invocations);
            if (Open.StateTooLarge)
            {
                await CloseWindowAsync(terminatedEarly: true, cancellationToken);
            }
        }

        return total;
    }

    /// <summary>
    /// The open window's final invocation: no records, the state to aggregate; retried until it succeeds or the
    /// mapping's MaximumRetryAttempts are spent. Nothing happens when no window is open.
    /// </summary>
    public Task CloseAsync(CancellationToken cancellationToken) => CloseWindowAsync(terminatedEarly: false, cancellationToken);

    private async Task CloseWindowAsync(bool terminatedEarly, CancellationToken cancellationToken)
    {
        if (Open is not { } window)
        {
            return;
        }

        var delay = MinRetryDelay;
        for (var attempt = 0; ; attempt++)
        {
            var result = await _target.InvokeWindowAsync([], new WindowInput(window.Start, window.End, window.State, IsFinal: true, TerminatedEarly: terminatedEarly), cancellationToken);
            if (result.Succeeded || (_options.MaximumRetryAttempts >= 0 && attempt >= _options.MaximumRetryAttempts))
            {
                Open = null;
                return;
            }

            await Task.Delay(delay, _time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    /// <summary>What the processor invokes while a window is open: the window's function with its state, keeping the state it answers.</summary>
    private sealed class OpenWindowTarget(TumblingWindows windows) : IShardBatchTarget
    {
        public async Task<InvocationResult> InvokeAsync(int lane, IReadOnlyList<StreamRecord> records, CancellationToken cancellationToken)
        {
            var window = windows.Open!;
            var result = await windows._target.InvokeWindowAsync(records, new WindowInput(window.Start, window.End, window.State, IsFinal: false, TerminatedEarly: false), cancellationToken);
            if (result.Error is null && result.WindowState is { } state)
            {
                window.State = state;
            }

            return result;
        }

        public Task DeliverFailureAsync(FailedRecords failed, CancellationToken cancellationToken) =>
            windows._target.DeliverFailureAsync(failed, cancellationToken);
    }
}
