using System.Collections.Concurrent;
using HdrHistogram;

namespace LoadTest.Reporting;

/// <summary>What a run measures, shared by every phone and presenter (all members are safe to use from many threads).</summary>
public sealed class LoadMetrics
{
    /// <summary>Histograms hold microseconds; a minute is far beyond any delay worth telling apart.</summary>
    public const long HighestMicroseconds = 60_000_000;

    /// <summary>Delays of what happened in the steady window (after the ramp-up): every percentile the report judges by.</summary>
    public WindowLatencies Steady { get; } = new();

    /// <summary>Delays of what happened during the ramp-up (phones joining, a fresh round), reported on their own.</summary>
    public WindowLatencies RampUp { get; } = new();

    /// <summary>End-to-end delays since the last progress tick, for the timeline (reset each second).</summary>
    public LongConcurrentHistogram RecentEndToEnd { get; } = NewHistogram();

    /// <summary>Ack delays since the last progress tick (reset each second).</summary>
    public LongConcurrentHistogram RecentAck { get; } = NewHistogram();

    // The steady window starts here (a TimeProvider timestamp); until BeginWindow, everything is ramp-up.
    private long _steadyFrom = long.MaxValue;
    private long _frequency = TimeProvider.System.TimestampFrequency;

    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private long _sendAttempts;
    private long _samplesSent;
    private long _batchesAcked;
    private long _samplesAcked;
    private long _steadyBatchesAcked;
    private long _steadySamplesAcked;
    private long _reconnects;
    private long _frames;
    private long _standings;
    private long _standingsInAcks;
    private long _framesWithApplied;

    public long SendAttempts => Interlocked.Read(ref _sendAttempts);

    /// <summary>Samples in every send, resends included.</summary>
    public long SamplesSent => Interlocked.Read(ref _samplesSent);

    public long BatchesAcked => Interlocked.Read(ref _batchesAcked);

    public long SamplesAcked => Interlocked.Read(ref _samplesAcked);

    /// <summary>Acked batches sent after the ramp-up: the achieved rate is measured on these alone.</summary>
    public long SteadyBatchesAcked => Interlocked.Read(ref _steadyBatchesAcked);

    public long SteadySamplesAcked => Interlocked.Read(ref _steadySamplesAcked);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Standings the phones received (their own score and rank, as the phone page shows them), pushed or in acks.</summary>
    public long Standings => Interlocked.Read(ref _standings);

    /// <summary>The part of <see cref="Standings"/> that came inside acks rather than as pushes.</summary>
    public long StandingsInAcks => Interlocked.Read(ref _standingsInAcks);

    public long FramesWithApplied => Interlocked.Read(ref _framesWithApplied);

    public long ErrorCount => _errors.Values.Sum();

    public IReadOnlyDictionary<string, long> Errors => new SortedDictionary<string, long>(_errors, StringComparer.Ordinal);

    public void SendAttempted(int samples)
    {
        Interlocked.Increment(ref _sendAttempts);
        Interlocked.Add(ref _samplesSent, samples);
    }

    /// <summary>
    /// Sending starts at <paramref name="start"/> (a <see cref="TimeProvider.GetTimestamp"/> with
    /// <paramref name="timestampFrequency"/>); what happens from <paramref name="rampUp"/> after it on is the steady window.
    /// </summary>
    public void BeginWindow(long start, TimeSpan rampUp, long timestampFrequency)
    {
        Volatile.Write(ref _frequency, timestampFrequency);
        Volatile.Write(ref _steadyFrom, start + (long)(rampUp.TotalSeconds * timestampFrequency));
    }

    /// <summary>The window a timestamp falls in: ramp-up before the steady window starts (or before it was set), else steady.</summary>
    public LoadWindow WindowOf(long timestamp) => timestamp >= Volatile.Read(ref _steadyFrom) ? LoadWindow.Steady : LoadWindow.RampUp;

    /// <summary>The latencies of a window.</summary>
    public WindowLatencies In(LoadWindow window) => window == LoadWindow.Steady ? Steady : RampUp;

    /// <summary>
    /// An ack for a batch first sent at <paramref name="sentAt"/>: the batch's send time decides its window, as for the
    /// rates, so a batch of the ramp-up acknowledged late counts with the ramp-up.
    /// </summary>
    public void Acked(int samples, long sentAt, TimeSpan latency)
    {
        var window = WindowOf(sentAt);
        var steady = window == LoadWindow.Steady;
        Interlocked.Increment(ref _batchesAcked);
        Interlocked.Add(ref _samplesAcked, samples);
        if (steady)
        {
            Interlocked.Increment(ref _steadyBatchesAcked);
            Interlocked.Add(ref _steadySamplesAcked, samples);
        }

        Record(In(window).Ack, latency);
        RecordRecent(RecentAck, sentAt, latency);
    }

    /// <summary>The wait of the oldest sample of a batch sent at <paramref name="sentAt"/>.</summary>
    public void SampleWaited(long sentAt, TimeSpan wait) => Record(In(WindowOf(sentAt)).SampleWait, wait);

    /// <summary>A batch first sent at <paramref name="sentAt"/> reached a display after <paramref name="delay"/>.</summary>
    public void Displayed(long sentAt, TimeSpan delay)
    {
        Record(In(WindowOf(sentAt)).EndToEnd, delay);
        RecordRecent(RecentEndToEnd, sentAt, delay);
    }

    /// <summary>A display frame arrived at <paramref name="arrivedAt"/>, <paramref name="delay"/> after the server made it.</summary>
    public void FrameDelivered(long arrivedAt, TimeSpan delay) => Record(In(WindowOf(arrivedAt)).FrameDelivery, delay);

    public void StandingReceived(bool inAck)
    {
        Interlocked.Increment(ref _standings);
        if (inAck)
        {
            Interlocked.Increment(ref _standingsInAcks);
        }
    }

    public void Reconnected() => Interlocked.Increment(ref _reconnects);

    public void FrameReceived(bool withApplied)
    {
        Interlocked.Increment(ref _frames);
        if (withApplied)
        {
            Interlocked.Increment(ref _framesWithApplied);
        }
    }

    /// <summary>Counts an error by kind; true for the first of its kind, which is worth a log line (the rest are only counted).</summary>
    public bool Error(string kind) => _errors.AddOrUpdate(kind, 1, (_, n) => n + 1) == 1;

    public static void Record(HistogramBase histogram, TimeSpan elapsed) =>
        histogram.RecordValue(Math.Clamp((long)elapsed.TotalMicroseconds, 1, HighestMicroseconds));

    /// <summary>
    /// The per-second view counts a delay in the second it completes, except a ramp-up batch completing in the steady
    /// window: the live p99 of a steady second is then of steady batches alone, like the report's.
    /// </summary>
    private void RecordRecent(HistogramBase histogram, long sentAt, TimeSpan delay)
    {
        var completedAt = sentAt + (long)(delay.TotalSeconds * Volatile.Read(ref _frequency));
        if (WindowOf(sentAt) == WindowOf(completedAt))
        {
            Record(histogram, delay);
        }
    }

    internal static LongConcurrentHistogram NewHistogram() => new(1, HighestMicroseconds, 3);
}

/// <summary>Ramp-up (phones starting one after another, a fresh round) or the steady window after it.</summary>
public enum LoadWindow
{
    RampUp,
    Steady,
}

/// <summary>The latency histograms of one window (microseconds; all safe to record into from many threads).</summary>
public sealed class WindowLatencies
{
    public LongConcurrentHistogram Ack { get; } = LoadMetrics.NewHistogram();

    /// <summary>From a batch's first send to a display frame that reflects it.</summary>
    public LongConcurrentHistogram EndToEnd { get; } = LoadMetrics.NewHistogram();

    /// <summary>
    /// Display frames' delivery: a frame's arrival at the presenter minus the server time it was made at (one clock:
    /// the tool and the server share the machine). Splits the end-to-end delay into scoring and delivery.
    /// </summary>
    public LongConcurrentHistogram FrameDelivery { get; } = LoadMetrics.NewHistogram();

    /// <summary>How long a batch's oldest sample waited on the phone before the batch was sent (not part of <see cref="EndToEnd"/>).</summary>
    public LongConcurrentHistogram SampleWait { get; } = LoadMetrics.NewHistogram();
}
