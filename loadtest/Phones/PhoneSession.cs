using System.Collections.Concurrent;
using Game.Functions.Contracts;
using Game.Functions.Scoring;
using LoadTest.Options;
using LoadTest.Reporting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoadTest.Phones;

/// <summary>When phones send, as offsets from one shared start timestamp (<see cref="TimeProvider.GetTimestamp"/>).</summary>
/// <remarks>
/// Batches sent from <c>RampEnd</c> on are full load (the achieved rate counts only them); none is sent from
/// <c>SendEnd</c> on; a batch still unacknowledged at <c>GiveUp</c> is no longer resent.
/// </remarks>
public sealed record SendWindow(long Start, TimeSpan RampEnd, TimeSpan SendEnd, TimeSpan GiveUp);

/// <summary>
/// One simulated phone: its own SignalR connection (WebSockets, MessagePack), a batch every send interval with
/// seq counting from 1, the same batch resent until acknowledged (the server drops duplicates by seq), and a local
/// <see cref="PlayerLedger"/> that mirrors the server's with the same <see cref="ScoreLedger"/>.
/// </summary>
public sealed partial class PhoneSession : IAsyncDisposable
{
    private static readonly TimeSpan ReconnectPoll = TimeSpan.FromMilliseconds(50);

    private readonly HubConnection _connection;
    private readonly MotionGenerator _generator;
    private readonly LoadOptions _options;
    private readonly LoadMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, long> _sendTimes = new();
    private long _highestSentSeq;

    private PhoneSession(int index, string gameId, string playerId, string nickname, HubConnection connection, LoadOptions options, LoadMetrics metrics, TimeProvider time, ILogger logger)
    {
        Index = index;
        GameId = gameId;
        PlayerId = playerId;
        Nickname = nickname;
        _connection = connection;
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _generator = new MotionGenerator(options.Seed, index, options.SampleIntervalMs);
        _connection.Reconnecting += _ =>
        {
            _metrics.Reconnected();
            return Task.CompletedTask;
        };
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

    public long HighestSentSeq => Interlocked.Read(ref _highestSentSeq);

    /// <summary>When the batch was first sent (<see cref="TimeProvider.GetTimestamp"/>), for the send-to-display delay.</summary>
    public bool TryGetSendTime(long seq, out long timestamp) => _sendTimes.TryGetValue(seq, out timestamp);

    public static async Task<PhoneSession> ConnectAsync(
        int index, string gameId, string playerId, string nickname, string token, LoadOptions options, LoadMetrics metrics, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var path = options.Baseline ? HubPaths.Baseline : HubPaths.Phone;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(options.Url, $"{path}?access_token={Uri.EscapeDataString(token)}"), HttpTransportType.WebSockets, o => o.SkipNegotiation = true)
            .AddMessagePackProtocol()
            .WithAutomaticReconnect()
            .Build();
        try
        {
            await connection.StartAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        return new PhoneSession(index, gameId, playerId, nickname, connection, options, metrics, time, logger);
    }

    /// <summary>Sends a batch every send interval from <paramref name="startOffset"/> until the window's end.</summary>
    public async Task RunAsync(SendWindow window, TimeSpan startOffset, CancellationToken cancellationToken)
    {
        try
        {
            var wait = startOffset - _time.GetElapsedTime(window.Start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time, cancellationToken);
            }

            using var timer = new PeriodicTimer(_options.SendInterval, _time);
            long seq = 0;
            while (_time.GetElapsedTime(window.Start) < window.SendEnd)
            {
                cancellationToken.ThrowIfCancellationRequested();
                seq++;
                var batch = new MotionBatch { GameId = GameId, PlayerId = PlayerId, Seq = seq, Samples = _generator.Next(_options.SamplesInBatch(seq)) };
                var sentAt = _time.GetTimestamp();
                _sendTimes[batch.Seq] = sentAt;
                Interlocked.Exchange(ref _highestSentSeq, batch.Seq);
                if (!await SendUntilAckedAsync(batch, window, steady: _time.GetElapsedTime(window.Start, sentAt) >= window.RampEnd, cancellationToken))
                {
                    return;
                }

                // A late ack delays the next batch rather than queueing a burst: a phone sends one batch at a time.
                await timer.WaitForNextTickAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>True once the batch is acknowledged; false when cancelled or past the window's give-up time.</summary>
    private async Task<bool> SendUntilAckedAsync(MotionBatch batch, SendWindow window, bool steady, CancellationToken cancellationToken)
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

                if (!await ConnectedAsync(window, cancellationToken))
                {
                    continue;
                }
            }

            _metrics.SendAttempted();
            var started = _time.GetTimestamp();
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.AckTimeout);
                var ack = await _connection.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch, timeout.Token);
                if (ack is { Accepted: true } && ack.Seq == batch.Seq)
                {
                    Expected = ScoreLedger.Apply(Expected, batch, counts: true).Ledger;
                    BatchesAcked++;
                    SamplesAcked += batch.Samples.Count;
                    _metrics.Acked(batch.Samples.Count, _time.GetElapsedTime(started), steady);
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

    /// <summary>
    /// Waits out an automatic reconnect, or starts the connection again when that gave up. A send while the
    /// connection is down fails at once without reaching the server: not worth an attempt, nor an error each time.
    /// </summary>
    private async Task<bool> ConnectedAsync(SendWindow window, CancellationToken cancellationToken)
    {
        while (_connection.State is HubConnectionState.Reconnecting or HubConnectionState.Connecting)
        {
            if (_time.GetElapsedTime(window.Start) >= window.GiveUp)
            {
                return false;
            }

            try
            {
                await Task.Delay(ReconnectPoll, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return _connection.State == HubConnectionState.Connected || await RestartAsync(cancellationToken);
    }

    private async Task<bool> RestartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _connection.StartAsync(cancellationToken);
            _metrics.Reconnected();
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Error("restart:" + ex.GetType().Name, ex);
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Error(string kind, Exception? exception)
    {
        if (_metrics.Error(kind))
        {
            LogFirstError(_logger, kind, PlayerId, exception?.Message ?? "");
        }
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(1000, 25 << Math.Min(attempt, 6)));

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Warning, Message = "First error of kind {Kind} (phone {PlayerId}): {Detail}")]
    private static partial void LogFirstError(ILogger logger, string kind, string playerId, string detail);
}
