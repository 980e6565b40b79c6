using Game.Functions.Contracts;
using Game.Functions.Scoring;
using LoadTest.Kinesis;
using LoadTest.Options;
using LoadTest.Reporting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;

namespace LoadTest.Phones;

/// <summary>When phones send, as offsets from one shared start timestamp (<see cref="TimeProvider.GetTimestamp"/>).</summary>
/// <remarks>
/// Batches sent from <c>RampEnd</c> on are full load (the achieved rate counts only them); none is sent from
/// <c>SendEnd</c> on; a batch still unacknowledged at <c>GiveUp</c> is no longer resent.
/// </remarks>
public sealed record SendWindow(long Start, TimeSpan RampEnd, TimeSpan SendEnd, TimeSpan GiveUp);

/// <summary>
/// One simulated phone: a batch every send interval over its <see cref="IMotionLink"/> (its own SignalR
/// connection, or the shared Kinesis producer) with seq counting from 1, the same batch resent until acknowledged
/// (the server drops duplicates by seq), and a local <see cref="PlayerLedger"/> that mirrors the server's with
/// the same <see cref="ScoreLedger"/>.
/// </summary>
public sealed partial class PhoneSession : IAsyncDisposable
{
    private readonly IMotionLink _link;
    private readonly MotionGenerator _generator;
    private readonly LoadOptions _options;
    private readonly LoadMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SendTimes _sendTimes = new();
    private readonly SampleBatch _samples = new();
    private long _highestSentSeq;

    public PhoneSession(int index, string gameId, string playerId, string nickname, IMotionLink link, LoadOptions options, LoadMetrics metrics, TimeProvider time, ILogger logger)
    {
        Index = index;
        GameId = gameId;
        PlayerId = playerId;
        Nickname = nickname;
        _link = link;
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _generator = new MotionGenerator(options.Seed, index, options.SampleIntervalMs);
    }

    public int Index { get; }

    public string GameId { get; }

    public string PlayerId { get; }

    public string Nickname { get; }

    /// <summary>The server's ledger as it must be: every acknowledged batch applied, in seq order, as counting.</summary>
    public PlayerLedger Expected { get; private set; } = PlayerLedger.Empty;

    public long BatchesAcked { get; private set; }

    public long SamplesAcked { get; private set; }

    /// <summary>
    /// Points of the last batch when it was sent but never acknowledged (cancelled, or resends gave up): the server
    /// may or may not have it, so its score is either <see cref="Expected"/> or this much more.
    /// </summary>
    public long UncertainPoints { get; private set; }

    /// <summary>False while the phone's connection is down (reconnecting or closed).</summary>
    public bool Connected => _link.Connected;

    public long HighestSentSeq => Interlocked.Read(ref _highestSentSeq);

    /// <summary>When the batch was first sent (<see cref="TimeProvider.GetTimestamp"/>), for the send-to-display delay.</summary>
    public bool TryGetSendTime(long seq, out long timestamp) => _sendTimes.TryGet(seq, out timestamp);

    /// <summary>Sends a batch every send interval from <paramref name="startOffset"/> until the window's end.</summary>
    public async Task RunAsync(SendWindow window, TimeSpan startOffset, SendClock clock, CancellationToken cancellationToken)
    {
        try
        {
            var interval = (long)(_options.SendInterval.TotalSeconds * _time.TimestampFrequency);
            var due = window.Start + (long)(startOffset.TotalSeconds * _time.TimestampFrequency);
            // The sensor starts one interval before the first send, so the first batch is a full one.
            var sensingSince = due - interval;
            var sampleTicks = _time.TimestampFrequency / (double)_options.Hz;
            long seq = 0, samplesSent = 0;
            while (true)
            {
                await clock.WaitUntilAsync(due);
                var sentAt = _time.GetTimestamp();
                if (_time.GetElapsedTime(window.Start, sentAt) >= window.SendEnd)
                {
                    return;
                }

                cancellationToken.ThrowIfCancellationRequested();
                seq++;
                // Everything the sensor produced since the last batch (at most a batch's limit; the rest goes next).
                var count = (int)Math.Clamp(_options.SamplesCapturedBy(_time.GetElapsedTime(sensingSince, sentAt)) - samplesSent, 1, GameLimits.MaxSamplesPerBatch);
                // The samples' buffer is reused: the last batch is acknowledged or given up by now, and applied to the ledger.
                var batch = new MotionBatch { GameId = GameId, PlayerId = PlayerId, Seq = seq, Samples = _generator.NextInto(_samples, count) };
                // How long the batch's oldest sample waited on the phone: an interval when acks keep up, more when they do not.
                _metrics.SampleWaited(sentAt, TimeSpan.FromSeconds((sentAt - (sensingSince + (samplesSent + 1) * sampleTicks)) / _time.TimestampFrequency));
                samplesSent += count;
                _sendTimes.Add(batch.Seq, sentAt);
                Interlocked.Exchange(ref _highestSentSeq, batch.Seq);
                if (!await SendUntilAckedAsync(batch, sentAt, window, clock, cancellationToken))
                {
                    return;
                }

                // One batch at a time: after a late ack the next goes at once, carrying the samples gathered meanwhile.
                due = Math.Max(due + interval, _time.GetTimestamp());
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>True once the batch is acknowledged; false when cancelled or past the window's give-up time.</summary>
    /// <remarks>The first send's time, <paramref name="sentAt"/>, puts the batch in the ramp-up or the steady window.</remarks>
    private async Task<bool> SendUntilAckedAsync(MotionBatch batch, long sentAt, SendWindow window, SendClock clock, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (attempt > 1)
            {
                if (cancellationToken.IsCancellationRequested || _time.GetElapsedTime(window.Start) >= window.GiveUp)
                {
                    return Unacknowledged(batch);
                }

                try
                {
                    await Task.Delay(Backoff(attempt), _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return Unacknowledged(batch);
                }

                if (!await _link.ReadyAsync(() => _time.GetElapsedTime(window.Start) >= window.GiveUp, cancellationToken))
                {
                    continue;
                }
            }

            _metrics.SendAttempted(batch.Samples.Count);
            var started = _time.GetTimestamp();
            try
            {
                // Shared with the sends begun around now, and cancelled with the run as well.
                var ack = await _link.SendAsync(batch, clock.AckDeadline());
                if (ack is { Accepted: true } && ack.Seq == batch.Seq)
                {
                    Expected = ScoreLedger.Apply(Expected, batch, counts: true).Ledger;
                    BatchesAcked++;
                    SamplesAcked += batch.Samples.Count;
                    _metrics.Acked(batch.Samples.Count, sentAt, _time.GetElapsedTime(started));
                    return true;
                }

                Error(ack is { Accepted: true } ? "ack-with-other-seq" : "refused:" + (ack?.Error ?? "no-reason"), null);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Unacknowledged(batch);
            }
            catch (OperationCanceledException)
            {
                Error("ack-timeout", null);
            }
            catch (HubException ex)
            {
                Error("hub-error", ex);
            }
            catch (KinesisRequestException ex)
            {
                Error("kinesis:" + ex.ErrorType, ex);
            }
            catch (Exception ex)
            {
                Error("send:" + ex.GetType().Name, ex);
            }
        }
    }

    private bool Unacknowledged(MotionBatch batch)
    {
        UncertainPoints = ScoreLedger.Apply(Expected, batch, counts: true).Outcome.Points;
        _metrics.Error("unacknowledged-at-end");
        return false;
    }

    private void Error(string kind, Exception? exception) => ReportError(_metrics, _logger, kind, PlayerId, exception);

    /// <summary>Counts an error by kind; the first of each kind is logged (the rest are only counted).</summary>
    public static void ReportError(LoadMetrics metrics, ILogger logger, string kind, string playerId, Exception? exception)
    {
        if (metrics.Error(kind))
        {
            LogFirstError(logger, kind, playerId, exception?.Message ?? "");
        }
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(1000, 25 << Math.Min(attempt, 6)));

    public ValueTask DisposeAsync() => _link.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Warning, Message = "First error of kind {Kind} (phone {PlayerId}): {Detail}")]
    private static partial void LogFirstError(ILogger logger, string kind, string playerId, string detail);
}

/// <summary>
/// A phone's first-send time per seq (seqs count from 1 without gaps): written by the phone alone, read by the
/// presenters. An array grown by doubling and published whole, so readers take no lock: a
/// <c>ConcurrentDictionary</c> here locked on every add, and its contention was 6 % of the tool's CPU at 2,000 phones.
/// </summary>
public sealed class SendTimes
{
    private long[] _times = new long[64];
    private long _count;

    /// <summary>Records <paramref name="seq"/>'s send time; seqs must come in order from 1 (a phone's own counter).</summary>
    public void Add(long seq, long timestamp)
    {
        if (seq != Interlocked.Read(ref _count) + 1)
        {
            throw new ArgumentOutOfRangeException(nameof(seq), seq, "Seqs are recorded in order from 1.");
        }

        var times = _times;
        if (seq > times.Length)
        {
            var bigger = new long[times.Length * 2];
            times.CopyTo(bigger, 0);
            Volatile.Write(ref _times, bigger);
            times = bigger;
        }

        times[seq - 1] = timestamp;
        // Published after the time is in place: a reader that sees the count sees the time.
        Interlocked.Exchange(ref _count, seq);
    }

    public bool TryGet(long seq, out long timestamp)
    {
        var count = Interlocked.Read(ref _count);
        var times = Volatile.Read(ref _times);
        timestamp = seq >= 1 && seq <= count && seq <= times.Length ? times[seq - 1] : 0;
        return seq >= 1 && seq <= count && seq <= times.Length;
    }
}
