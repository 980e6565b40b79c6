// Longer than our usual 300 lines on purpose: the whole SignalR MessagePack client a phone needs (handshake,
// framing, invocations, completions, pings, reconnect) in one place, so it can be checked against the protocol.
using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using Game.Functions.Contracts;
using LoadTest.Reporting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace LoadTest.Phones;

/// <summary>
/// A phone's own WebSocket to the phone hub (or the baseline hub) speaking the SignalR MessagePack hub protocol
/// itself: the handshake, then <c>SendMotion</c> invocations and their completions, framed and encoded by the same
/// <see cref="MessagePackHubProtocol"/> the SignalR client uses, so the server receives the same bytes.
/// </summary>
/// <remarks>
/// Thinner than a <c>HubConnection</c>: no duplex pipes between the socket and the protocol (two copies and two
/// loops per connection), no per-invocation channel, lock and log scope. One receive loop per phone reads straight
/// into a reused buffer. Keep-alive pings come from the shared <see cref="RawHubKeepAlive"/>, not a timer per phone.
/// </remarks>
public sealed class RawHubMotionLink : IMotionLink
{
    /// <summary>The handshake request: MessagePack, version 1, ended by the record separator.</summary>
    private static readonly byte[] Handshake = Encoding.UTF8.GetBytes("{\"protocol\":\"messagepack\",\"version\":1}\u001e");

    private const byte RecordSeparator = 0x1e;

    private static readonly MessagePackHubProtocol Protocol = new();

    private readonly Uri _url;
    private readonly LoadMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly RawHubKeepAlive _keepAlive;
    private readonly Action<string, Exception?> _error;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly ArrayBufferWriter<byte> _outgoing = new(1024);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TaskCompletionSource<MotionAck>> _pending = new(StringComparer.Ordinal);
    private readonly Binder _binder = new();
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

    public bool Connected => _connection is { Socket.State: WebSocketState.Open };

    /// <summary>When this link last wrote a frame (a <see cref="TimeProvider.GetTimestamp"/>), for the keep-alive.</summary>
    internal long LastSent => Interlocked.Read(ref _lastSent);

    public async Task<MotionAck> SendAsync(MotionBatch batch, CancellationToken cancellationToken)
    {
        var connection = _connection is { Socket.State: WebSocketState.Open } open ? open : throw new WebSocketException(WebSocketError.InvalidState, "Not connected.");
        var id = Interlocked.Increment(ref _invocations).ToString(CultureInfo.InvariantCulture);
        var ack = new TaskCompletionSource<MotionAck>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _pending[id] = ack;
        }

        using var registration = cancellationToken.Register(() => Forget(id)?.TrySetCanceled(cancellationToken));
        try
        {
            await WriteAsync(connection, new InvocationMessage(id, PhoneHubMethods.SendMotion, [batch]), cancellationToken);
        }
        catch
        {
            Forget(id);
            throw;
        }

        var result = await ack.Task;
        if (result.Standing is not null)
        {
            _metrics.StandingReceived(inAck: true);
        }

        return result;
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
    internal Task PingAsync(CancellationToken cancellationToken) =>
        _connection is { Socket.State: WebSocketState.Open } connection ? WriteAsync(connection, PingMessage.Instance, cancellationToken) : Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _keepAlive.Remove(this);
        if (_connection is { } connection)
        {
            await connection.CloseAsync();
        }

        _sending.Dispose();
    }

    private async Task<Connection> OpenAsync(CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(_url, cancellationToken);
            await socket.SendAsync(Handshake, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
            var connection = new Connection(socket);
            await connection.ReadHandshakeAsync(cancellationToken);
            connection.Receiving = ReceiveAsync(connection);
            return connection;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task WriteAsync(Connection connection, HubMessage message, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            _outgoing.ResetWrittenCount();
            Protocol.WriteMessage(message, _outgoing);
            await connection.Socket.SendAsync(_outgoing.WrittenMemory, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
            Interlocked.Exchange(ref _lastSent, _time.GetTimestamp());
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Reads frames until the socket closes; every message in them is handled, a partial one kept for the next.</summary>
    private async Task ReceiveAsync(Connection connection)
    {
        // A lost connection is not an error of its own (as with the SignalR client): the send it fails is counted.
        Exception? failure = null;
        try
        {
            while (true)
            {
                var buffer = connection.Incoming;
                var result = await connection.Socket.ReceiveAsync(buffer.GetMemory(4096), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                buffer.Advance(result.Count);
                if (result.EndOfMessage)
                {
                    Dispatch(connection);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or InvalidDataException or OperationCanceledException or ObjectDisposedException)
        {
            failure = ex;
        }

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
        var input = new ReadOnlySequence<byte>(connection.Incoming.WrittenMemory);
        while (Protocol.TryParseMessage(ref input, _binder, out var message))
        {
            switch (message)
            {
                case CompletionMessage completion when Forget(completion.InvocationId!) is { } ack:
                    if (completion.Error is { } error)
                    {
                        ack.TrySetException(new HubException(error));
                    }
                    else
                    {
                        ack.TrySetResult((MotionAck)completion.Result!);
                    }

                    break;
                case InvocationMessage { Target: nameof(IPhoneClient.Standing) }:
                    _metrics.StandingReceived(inAck: false);
                    break;
                case CloseMessage close:
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The server closed the connection: " + (close.Error ?? "no reason"));
            }
        }

        // A message split over WebSocket messages: keep its start for the next read.
        var rest = input.IsEmpty ? [] : input.ToArray();
        connection.Incoming.ResetWrittenCount();
        connection.Incoming.Write(rest);
    }

    private TaskCompletionSource<MotionAck>? Forget(string invocationId)
    {
        lock (_lock)
        {
            return _pending.Remove(invocationId, out var ack) ? ack : null;
        }
    }

    /// <summary>One socket: a reconnect makes a new one.</summary>
    private sealed class Connection(ClientWebSocket socket)
    {
        public ClientWebSocket Socket { get; } = socket;

        public ArrayBufferWriter<byte> Incoming { get; } = new(4096);

        public Task Receiving { get; set; } = Task.CompletedTask;

        /// <summary>Reads up to the handshake's record separator; anything after it stays for the receive loop.</summary>
        public async Task ReadHandshakeAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var result = await Socket.ReceiveAsync(Incoming.GetMemory(1024), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The server closed the connection during the handshake.");
                }

                Incoming.Advance(result.Count);
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
            try
            {
                if (Socket.State == WebSocketState.Open)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }

            Socket.Abort();
            await Receiving;
            Socket.Dispose();
        }
    }

    /// <summary>The types of what the phone hub sends: acks to <c>SendMotion</c>, and standings.</summary>
    private sealed class Binder : IInvocationBinder
    {
        private static readonly Type[] StandingParameters = [typeof(PhoneStanding)];

        public Type GetReturnType(string invocationId) => typeof(MotionAck);

        public IReadOnlyList<Type> GetParameterTypes(string methodName) =>
            methodName == nameof(IPhoneClient.Standing) ? StandingParameters : throw new InvalidOperationException($"The phone hub has no client method {methodName}.");

        public Type GetStreamItemType(string streamId) => throw new InvalidOperationException("The phone hub streams nothing.");
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
