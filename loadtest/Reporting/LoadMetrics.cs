using System.Collections.Concurrent;
using HdrHistogram;

namespace LoadTest.Reporting;

/// <summary>What a run measures, shared by every phone and presenter (all members are safe to use from many threads).</summary>
public sealed class LoadMetrics
{
    /// <summary>Histograms hold microseconds; a minute is far beyond any delay worth telling apart.</summary>
    public const long HighestMicroseconds = 60_000_000;

    public LongConcurrentHistogram AckLatency { get; } = NewHistogram();

    public LongConcurrentHistogram EndToEnd { get; } = NewHistogram();

    /// <summary>
    /// Display frames' delivery: a frame's arrival at the presenter minus the server time it was made at (one clock:
    /// the tool and the server share the machine). Splits the end-to-end delay into scoring and delivery.
    /// </summary>
    public LongConcurrentHistogram FrameDelivery { get; } = NewHistogram();

    /// <summary>How long a batch's oldest sample waited on the phone before the batch was sent (not part of <see cref="EndToEnd"/>).</summary>
    public LongConcurrentHistogram SampleWait { get; } = NewHistogram();

    /// <summary>End-to-end delays since the last progress tick, for the timeline (reset each second).</summary>
    public LongConcurrentHistogram RecentEndToEnd { get; } = NewHistogram();

    /// <summary>Ack delays since the last progress tick (reset each second).</summary>
    public LongConcurrentHistogram RecentAck { get; } = NewHistogram();

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

    public void Acked(int samples, TimeSpan latency, bool steady)
    {
        Interlocked.Increment(ref _batchesAcked);
        Interlocked.Add(ref _samplesAcked, samples);
        if (steady)
        {
            Interlocked.Increment(ref _steadyBatchesAcked);
            Interlocked.Add(ref _steadySamplesAcked, samples);
        }

        Record(AckLatency, latency);
        Record(RecentAck, latency);
    }

    public void SampleWaited(TimeSpan wait) => Record(SampleWait, wait);

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

    private static LongConcurrentHistogram NewHistogram() => new(1, HighestMicroseconds, 3);
}
