using System.Diagnostics.Metrics;

namespace Game.Server.Functions.AsyncInvocations;

/// <summary>Lambda's asynchronous invocation metrics, by function: exported at <c>/metrics</c> with the functions' others.</summary>
public sealed class AsyncInvocationMetrics : IDisposable
{
    public const string MeterName = "Game.Functions.AsyncInvocations";

    private readonly Meter _meter = new(MeterName);

    public AsyncInvocationMetrics()
    {
        AsyncEventsReceived = _meter.CreateCounter<long>("AsyncEventsReceived", description: "Event invocations accepted (202) and queued.");
        AsyncEventAge = _meter.CreateHistogram<double>("AsyncEventAge", unit: "ms", description: "Time from an event's acceptance to each of its invocations.");
        AsyncEventsDropped = _meter.CreateCounter<long>("AsyncEventsDropped", description: "Events given up on (retries exhausted or too old), sent to the dead letters.");
    }

    public Counter<long> AsyncEventsReceived { get; }

    public Histogram<double> AsyncEventAge { get; }

    public Counter<long> AsyncEventsDropped { get; }

    public void Dispose() => _meter.Dispose();
}
