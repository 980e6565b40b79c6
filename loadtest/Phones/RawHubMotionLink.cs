// Longer than our usual 300 lines on purpose: the whole SignalR MessagePack client a phone needs (handshake,
// framing, invocations, completions, pings, reconnect) in one place, so it can be checked against the protocol.
using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Game.Functions.Contracts;
using LoadTest.Reporting;
using Microsoft.AspNetCore.SignalR;

namespace LoadTest.Phones;

/// <summary>
/// A phone's own WebSocket to the phone hub (or the baseline hub) speaking the SignalR MessagePack hub protocol
/// itself: the handshake, then <c>SendMotion</c> invocations and their completions, framed and encoded as the
/// <c>MessagePackHubProtocol</c> the SignalR client uses would (<see cref="PhoneHubWire"/>), so the server receives
/// the same bytes.
/// </summary>
/// <remarks>
/// Thinner than a <c>HubConnection</c>: no duplex pipes between the socket and the protocol (two copies and two
/// loops per connection), no per-invocation channel, lock and log scope; and thinner than the SignalR protocol over a
/// <see cref="ClientWebSocket"/>: a batch is written once, into this link's own buffer with room left in front for
/// the length prefix and the frame header, and sent in one write (<see cref="PhoneSocket"/>); acks are read in place.
/// One receive loop per phone. Keep-alive pings come from the shared <see cref="RawHubKeepAlive"/>, not a timer per phone.
/// </remarks>
public sealed class RawHubMotionLink : IMotionLink
{
    /// <summary>The handshake request: MessagePack, version 1, ended by the record separator.</summary>
    private static readonly byte[] Handshake = Encoding.UTF8.GetBytes("{\"protocol\":\"messagepack\",\"version\":1}\u001e");

    private const byte RecordSeparator = 0x1e;

    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly Uri _url;
    private readonly LoadMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly RawHubKeepAlive _keepAlive;
    private readonly Action<string, Exception?> _error;
    private readonly FrameBuffer _outgoing = new(1024);
    private readonly FrameBuffer _ping = new(64);
    private readonly Lock _lock = new();
    private readonly Dictionary<long, TaskCompletionSource<MotionAck>> _pending = [];
    private Connection? _connection;
    private long _invocations;
    private long _lastSent;

    private RawHubMotionLink(Uri url, LoadMetrics metrics, TimeProvider time, RawHubKeepAlive keepAlive, Action<string, Exception?> error)
    {
        _url = url;
        _metrics = metrics;
        _time = time;
        _keepAlive = keepAlive;
        _error = error;
    }

    /// <summary>Opens the socket and does the handshake; <paramref name="error"/> counts and logs an error by kind (a failed restart).</summary>
    public static async Task<RawHubMotionLink> ConnectAsync(
        Uri url, string hubPath, string token, LoadMetrics metrics, TimeProvider time, RawHubKeepAlive keepAlive, Action<string, Exception?> error, CancellationToken cancellationToken)
    {
        var http = new Uri(url, $"{hubPath}?access_token={Uri.EscapeDataString(token)}");
        var ws = new UriBuilder(http) { Scheme = http.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;
        var link = new RawHubMotionLink(ws, metrics, time, keepAlive, error);
        link._connection = await link.OpenAsync(cancellationToken);
        keepAlive.Add(link);
        return link;
    }

    public bool Connected => _connection is { Socket.IsOpen: true };

    /// <summary>When this link last wrote a frame (a <see cref="TimeProvider.GetTimestamp"/>), for the keep-alive.</summary>
    internal long LastSent => Interlocked.Read(ref _lastSent);

    public async Task<MotionAck> SendAsync(MotionBatch batch, CancellationToken cancellationToken)
    {
        var connection = _connection is { Socket.IsOpen: true } open ? open : throw new WebSocketException(WebSocketError.InvalidState, "Not connected.");
        var id = Interlocked.Increment(ref _invocations);
        // The phone's continuation runs on the receive loop that completes the ack (it records the ack and, at most,
        // sends its next batch): a hop through the thread pool per message cost more than that work.
        var ack = new TaskCompletionSource<MotionAck>();
        lock (_lock)
        {
            _pending[id] = ack;
        }

        using var registration = cancellationToken.Register(() => Forget(id)?.TrySetCanceled(cancellationToken));
        try
        {
            // One batch at a time per phone (PhoneSession awaits each ack), so the buffer is this send's alone; pings have their own.
            var start = PhoneHubWire.WriteSendMotion(_outgoing, id, batch);
            await connection.Socket.SendAsync(_outgoing.Array, start, _outgoing.End, cancellationToken);
            Interlocked.Exchange(ref _lastSent, _time.GetTimestamp());
        }
        catch
        {
            Forget(id);
            throw;
        }

        return await ack.Task;
    }

    /// <summary>Reconnects (a new socket and handshake) when the connection was lost; false when that failed too.</summary>
    public async Task<bool> ReadyAsync(Func<bool> pastGiveUp, CancellationToken cancellationToken)
    {
        if (Connected)
        {
            return true;
        }

        if (pastGiveUp() || cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        try
        {
            if (_connection is { } lost)
            {
                await lost.CloseAsync();
            }

            _connection = await OpenAsync(cancellationToken);
            _metrics.Reconnected();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception ex)
        {
            _error("restart:" + ex.GetType().Name, ex);
            return false;
        }
    }

    /// <summary>A ping, so the server does not close a connection that had nothing to send (idle phones).</summary>
    internal async Task PingAsync(CancellationToken cancellationToken)
    {
        if (_connection is { Socket.IsOpen: true } connection)
        {
            // Only the keep-alive's single loop pings, so this buffer is never shared.
            var start = PhoneHubWire.WritePing(_ping);
            await connection.Socket.SendAsync(_ping.Array, start, _ping.End, cancellationToken);
            Interlocked.Exchange(ref _lastSent, _time.GetTimestamp());
        }
    }

    public async ValueTask DisposeAsync()
    {
        _keepAlive.Remove(this);
        if (_connection is { } connection)
        {
            await connection.CloseAsync();
        }
    }

    private async Task<Connection> OpenAsync(CancellationToken cancellationToken)
    {
        var socket = await PhoneSocket.ConnectAsync(_url, cancellationToken);
        try
        {
            var handshake = new byte[PhoneSocket.MaxHeader + Handshake.Length];
            Handshake.CopyTo(handshake, PhoneSocket.MaxHeader);
            await socket.SendAsync(handshake, PhoneSocket.MaxHeader, handshake.Length, cancellationToken);
            var connection = new Connection(socket);
            await connection.ReadHandshakeAsync(cancellationToken);
            connection.Receiving = ReceiveAsync(connection);
            return connection;
        }
        catch
        {
            await socket.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads frames until the socket closes; every message in them is handled, a partial one kept for the next.</summary>
    private async Task ReceiveAsync(Connection connection)
    {
        // A lost connection is not an error of its own (as with the SignalR client): the send it fails is counted.
        Exception? failure = null;
        try
        {
            while (await connection.Socket.ReceiveAsync(connection.Incoming, CancellationToken.None))
            {
                Dispatch(connection);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or InvalidDataException or OperationCanceledException or ObjectDisposedException
            or System.Net.Sockets.SocketException or IOException or MessagePack.MessagePackSerializationException or EndOfStreamException)
        {
            failure = ex;
        }

        connection.Socket.Abort();

        // Whatever was waiting for an ack on this connection will not get one: its phone resends after reconnecting.
        List<TaskCompletionSource<MotionAck>> orphans;
        lock (_lock)
        {
            orphans = [.. _pending.Values];
            _pending.Clear();
        }

        var lost = new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The connection closed before the ack.", failure);
        foreach (var orphan in orphans)
        {
            orphan.TrySetException(lost);
        }
    }

    private void Dispatch(Connection connection)
    {
        var incoming = connection.Incoming;
        var input = incoming.WrittenSpan;
        var offset = 0;
        while (PhoneHubWire.TryTakeMessage(ref input, out var payload))
        {
            // The payload's place in the buffer: the reader wants memory, the span only says where.
            var at = incoming.WrittenCount - input.Length - payload.Length;
            offset = incoming.WrittenCount - input.Length;
            var frame = PhoneHubWire.Read(incoming.WrittenMemory.Slice(at, payload.Length));
            switch (frame.Kind)
            {
                case HubFrameKind.Completion when Forget(frame.InvocationId) is { } ack:
                    if (frame.Ack is { } result)
                    {
                        if (frame.AckHadStanding)
                        {
                            _metrics.StandingReceived(inAck: true);
                        }

                        ack.TrySetResult(result);
                    }
                    else
                    {
                        ack.TrySetException(frame.Error is { } error ? new HubException(error) : new InvalidDataException("A completion without an ack."));
                    }

                    break;
                case HubFrameKind.Standing:
                    _metrics.StandingReceived(inAck: false);
                    break;
                case HubFrameKind.Close:
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The server closed the connection: " + (frame.Error ?? "no reason"));
            }
        }

        // A message split over WebSocket messages: keep its start for the next read.
        if (offset == incoming.WrittenCount)
        {
            incoming.ResetWrittenCount();
        }
        else if (offset > 0)
        {
            var rest = incoming.WrittenSpan[offset..].ToArray();
            incoming.ResetWrittenCount();
            incoming.Write(rest);
        }
    }

    private TaskCompletionSource<MotionAck>? Forget(long invocationId)
    {
        lock (_lock)
        {
            return _pending.Remove(invocationId, out var ack) ? ack : null;
        }
    }

    /// <summary>One socket: a reconnect makes a new one.</summary>
    private sealed class Connection(PhoneSocket socket)
    {
        public PhoneSocket Socket { get; } = socket;

        /// <summary>What arrived and is not yet handled: the data frames' payloads, one byte stream.</summary>
        public ArrayBufferWriter<byte> Incoming { get; } = new(4096);

        public Task Receiving { get; set; } = Task.CompletedTask;

        /// <summary>Reads up to the handshake's record separator; anything after it stays for the receive loop.</summary>
        public async Task ReadHandshakeAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                if (!await Socket.ReceiveAsync(Incoming, cancellationToken))
                {
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The server closed the connection during the handshake.");
                }

                var written = Incoming.WrittenSpan;
                var end = written.IndexOf(RecordSeparator);
                if (end < 0)
                {
                    continue;
                }

                var response = Encoding.UTF8.GetString(written[..end]);
                if (response.Contains("\"error\"", StringComparison.Ordinal))
                {
                    throw new HubException("Handshake refused: " + response);
                }

                var rest = written[(end + 1)..].ToArray();
                Incoming.ResetWrittenCount();
                Incoming.Write(rest);
                return;
            }
        }

        public async Task CloseAsync()
        {
            await Socket.CloseAsync(CloseTimeout);
            await Receiving;
            await Socket.DisposeAsync();
        }
    }
}

/// <summary>
/// Pings every idle <see cref="RawHubMotionLink"/> of a run from one timer, so a connection with nothing to send
/// (an idle phone, a long backoff) is not closed by the server's client timeout (30 s by default).
/// </summary>
public sealed class RawHubKeepAlive : IAsyncDisposable
{
    /// <summary>As the SignalR client: a ping after 15 s without a frame.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly HashSet<RawHubMotionLink> _links = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pinging;

    public RawHubKeepAlive(TimeProvider time)
    {
        _time = time;
        _pinging = PingAsync();
    }

    internal void Add(RawHubMotionLink link)
    {
        lock (_lock)
        {
            _links.Add(link);
        }
    }

    internal void Remove(RawHubMotionLink link)
    {
        lock (_lock)
        {
            _links.Remove(link);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pinging;
        _stop.Dispose();
    }

    private async Task PingAsync()
    {
        using var timer = new PeriodicTimer(Interval / 3, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                RawHubMotionLink[] links;
                lock (_lock)
                {
                    links = [.. _links];
                }

                var now = _time.GetTimestamp();
                foreach (var link in links.Where(l => _time.GetElapsedTime(l.LastSent, now) >= Interval))
                {
                    try
                    {
                        await link.PingAsync(_stop.Token);
                    }
                    catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
                    {
                        // A lost connection is the phone's to notice and reconnect.
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
