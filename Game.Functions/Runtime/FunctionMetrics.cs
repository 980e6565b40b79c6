using System.Diagnostics.Metrics;

namespace Game.Functions.Runtime;

/// <summary>
/// Function and event-source metrics, named after Lambda's CloudWatch metrics so dashboards read the same.
/// Exported in Prometheus text at <c>/metrics</c> (names there are lower-cased with the unit appended).
/// </summary>
public sealed class FunctionMetrics : IDisposable
{
    public const string MeterName = "Game.Functions";

    private readonly Meter _meter = new(MeterName);
    private int _concurrent;

    public FunctionMetrics()
    {
        Invocations = _meter.CreateCounter<long>("Invocations", description: "Function invocations, successful or not (throttles excluded).");
        Errors = _meter.CreateCounter<long>("Errors", description: "Invocations that failed: exception, timeout, or reported batch item failures.");
        Throttles = _meter.CreateCounter<long>("Throttles", description: "Invocations refused by the function's concurrency limit.");
        Duration = _meter.CreateHistogram<double>("Duration", unit: "ms", description: "Time spent in the function per invocation.");
        IteratorAge = _meter.CreateHistogram<double>("IteratorAge", unit: "ms", description: "Age of a batch's last record when the function was invoked.");
        PolledEventCount = _meter.CreateCounter<long>("PolledEventCount", description: "Records read from the stream by event source mappings (with MetricsConfig EventCount, as every *EventCount).");
        InvokedEventCount = _meter.CreateCounter<long>("InvokedEventCount", description: "Records handed to a function.");
        FailedInvokeEventCount = _meter.CreateCounter<long>("FailedInvokeEventCount", description: "Records in invocations that failed.");
        FilteredOutEventCount = _meter.CreateCounter<long>("FilteredOutEventCount", description: "Records that matched no filter pattern.");
        DroppedEventCount = _meter.CreateCounter<long>("DroppedEventCount", description: "Records given up on (retries exhausted or too old) with no on-failure destination.");
        OnFailureDestinationDeliveredEventCount = _meter.CreateCounter<long>("OnFailureDestinationDeliveredEventCount", description: "Records sent to the on-failure destination (dead letters).");
        DroppedSamples = _meter.CreateCounter<long>("DroppedSamples", description: "Motion samples dropped by a fairness rule, by rule.");
        CountedSamples = _meter.CreateCounter<long>("CountedSamples", description: "Motion samples that scored.");
        _meter.CreateObservableGauge("ConcurrentExecutions", () => Volatile.Read(ref _concurrent), description: "Invocations running now.");
    }

    public Counter<long> Invocations { get; }

    public Counter<long> Errors { get; }

    public Counter<long> Throttles { get; }

    public Histogram<double> Duration { get; }

    public Histogram<double> IteratorAge { get; }

    public Counter<long> PolledEventCount { get; }

    public Counter<long> InvokedEventCount { get; }

    public Counter<long> FailedInvokeEventCount { get; }

    public Counter<long> FilteredOutEventCount { get; }

    public Counter<long> DroppedEventCount { get; }

    public Counter<long> OnFailureDestinationDeliveredEventCount { get; }

    public Counter<long> DroppedSamples { get; }

    public Counter<long> CountedSamples { get; }

    /// <summary>
    /// Exports Errors and Throttles of <paramref name="functionName"/> as 0 before anything happened, as Lambda
    /// reports them, so an alert on either has a series to watch from the start.
    /// </summary>
    public void Announce(string functionName)
    {
        var tags = new KeyValuePair<string, object?>("function", functionName);
        Errors.Add(0, tags);
        Throttles.Add(0, tags);
    }

    /// <summary>Counts an invocation as running until the returned scope is disposed.</summary>
    public Execution Start() => new(this);

    public void Dispose() => _meter.Dispose();

    public readonly struct Execution : IDisposable
    {
        private readonly FunctionMetrics _metrics;

        internal Execution(FunctionMetrics metrics)
        {
            _metrics = metrics;
            Interlocked.Increment(ref metrics._concurrent);
        }

        public void Dispose() => Interlocked.Decrement(ref _metrics._concurrent);
    }
}
