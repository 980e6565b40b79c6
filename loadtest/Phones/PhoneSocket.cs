using System.Buffers;
using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace LoadTest.Phones;

/// <summary>
/// A phone's WebSocket (RFC 6455, client side) on its own socket: the upgrade request, masked binary frames out, the
/// server's frames in, pings answered, close. Each message goes out as one frame in one write: header, mask and
/// payload laid out in the caller's buffer in front of the payload, so nothing is copied.
/// </summary>
/// <remarks>
/// Thinner than <see cref="ClientWebSocket"/>, which at 10,000 messages a second cost the tool a cryptographic random
/// mask per frame (8 % of its CPU), a copy into its send buffer, an async lock and an HTTP connection's stream layers
/// per send. The mask here comes from <see cref="Random"/>: RFC 6455 asks for unpredictable masks against proxy cache
/// poisoning by scripts in browsers, which does not arise for a load tool on the server's own network; the server
/// unmasks every byte whichever the key.
/// </remarks>
public sealed class PhoneSocket : IAsyncDisposable
{
    /// <summary>The bytes of a frame header the sender must leave free before a payload: 2, 8 bytes of length at most, 4 of mask.</summary>
    public const int MaxHeader = 14;

    private const byte Fin = 0x80;
    private const byte OpContinuation = 0x0;
    private const byte OpText = 0x1;
    private const byte OpBinary = 0x2;
    private const byte OpClose = 0x8;
    private const byte OpPing = 0x9;
    private const byte OpPong = 0xA;
    private const byte MaskBit = 0x80;

    private readonly Socket _socket;
    private readonly SslStream? _tls;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly byte[] _control = new byte[MaxHeader + 125];
    private byte[] _in = new byte[4096];
    private int _inStart;
    private int _inEnd;
    private bool _closeSent;
    private volatile bool _open;

    private PhoneSocket(Socket socket, SslStream? tls)
    {
        _socket = socket;
        _tls = tls;
    }

    /// <summary>True from the upgrade until a close or a failure on either side.</summary>
    public bool IsOpen => _open;

    /// <summary>Connects to <paramref name="url"/> (ws or wss) and upgrades; throws <see cref="WebSocketException"/> when the server refuses.</summary>
    public static async Task<PhoneSocket> ConnectAsync(Uri url, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SslStream? tls = null;
        try
        {
            await socket.ConnectAsync(url.Host, url.Port, cancellationToken);
            if (url.Scheme == "wss")
            {
                tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = url.IdnHost }, cancellationToken);
            }

            var connection = new PhoneSocket(socket, tls);
            await connection.UpgradeAsync(url, cancellationToken);
            connection._open = true;
            return connection;
        }
        catch
        {
            tls?.Dispose();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends <c>buffer[start..end)</c> as one binary message; at least <see cref="MaxHeader"/> bytes before
    /// <paramref name="start"/> must be free: the frame header is written there, and the payload masked in place.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(byte[] buffer, int start, int end, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            ThrowIfClosed();
            var frameStart = Frame(buffer, start, end, OpBinary);
            await WriteAsync(buffer.AsMemory(frameStart, end - frameStart), cancellationToken);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            _open = false;
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, ex.Message, ex);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>
    /// Reads until at least one data frame's payload arrived and appends every whole data payload to
    /// <paramref name="into"/> (the payloads of a run of frames are one byte stream to the caller: SignalR's
    /// length prefixes delimit its messages, whichever frames carry them); answers pings on the way. False at a
    /// close or the end of the stream.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReceiveAsync(ArrayBufferWriter<byte> into, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (progress, closed) = await ParseFramesAsync(into, cancellationToken);
            if (closed)
            {
                _open = false;
                return false;
            }

            if (progress)
            {
                return true;
            }

            if (_inStart > 0 && _inStart == _inEnd)
            {
                _inStart = _inEnd = 0;
            }
            else if (_inEnd == _in.Length)
            {
                // A frame longer than what is left: move it to the front, or grow when it is longer than the buffer.
                if (_inStart > 0)
                {
                    Buffer.BlockCopy(_in, _inStart, _in, 0, _inEnd - _inStart);
                    _inEnd -= _inStart;
                    _inStart = 0;
                }
                else
                {
                    Array.Resize(ref _in, _in.Length * 2);
                }
            }

            var read = await ReadAsync(_in.AsMemory(_inEnd), cancellationToken);
            if (read == 0)
            {
                _open = false;
                return false;
            }

            _inEnd += read;
        }
    }

    /// <summary>Sends a close frame (once) and waits up to <paramref name="timeout"/>; then the socket is shut.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            await _sending.WaitAsync(cts.Token);
            try
            {
                if (!_closeSent && _open)
                {
                    _closeSent = true;
                    // Status 1000, normal closure.
                    BinaryPrimitives.WriteUInt16BigEndian(_control.AsSpan(MaxHeader), 1000);
                    var start = Frame(_control, MaxHeader, MaxHeader + 2, OpClose);
                    await WriteAsync(_control.AsMemory(start, MaxHeader + 2 - start), cts.Token);
                }
            }
            finally
            {
                _sending.Release();
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
        }

        Abort();
    }

    /// <summary>Shuts the socket at once: a pending receive ends.</summary>
    public void Abort()
    {
        _open = false;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        _tls?.Dispose();
        _socket.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Abort();
        _sending.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes a frame header before <paramref name="start"/> and masks the payload in place; returns where the frame starts.</summary>
    private static int Frame(byte[] buffer, int start, int end, byte opcode)
    {
        var length = end - start;
        var headerLength = 2 + (length < 126 ? 0 : length <= ushort.MaxValue ? 2 : 8) + 4;
        var frameStart = start - headerLength;
        if (frameStart < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(start), "No room for the frame header before the payload.");
        }

        var header = buffer.AsSpan(frameStart, headerLength);
        header[0] = (byte)(Fin | opcode);
        if (length < 126)
        {
            header[1] = (byte)(MaskBit | length);
        }
        else if (length <= ushort.MaxValue)
        {
            header[1] = MaskBit | 126;
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)length);
        }
        else
        {
            header[1] = MaskBit | 127;
            BinaryPrimitives.WriteUInt64BigEndian(header[2..], (ulong)length);
        }

        var mask = (uint)Random.Shared.Next() ^ ((uint)Random.Shared.Next() << 1);
        MemoryMarshal.Write(header[^4..], in mask);
        Mask(buffer.AsSpan(start, length), mask);
        return frameStart;
    }

    /// <summary>XORs the payload with the 4-byte key (as laid out on the wire), 8 bytes at a time.</summary>
    public static void Mask(Span<byte> payload, uint key)
    {
        var wide = ((ulong)key << 32) | key;
        var i = 0;
        for (; i + 8 <= payload.Length; i += 8)
        {
            var value = MemoryMarshal.Read<ulong>(payload[i..]) ^ wide;
            MemoryMarshal.Write(payload[i..], in value);
        }

        Span<byte> keyBytes = stackalloc byte[4];
        MemoryMarshal.Write(keyBytes, in key);
        for (; i < payload.Length; i++)
        {
            payload[i] ^= keyBytes[i & 3];
        }
    }

    /// <summary>Takes every whole frame off the receive buffer: data payloads into <paramref name="into"/>, control frames answered.</summary>
    private async ValueTask<(bool Progress, bool Closed)> ParseFramesAsync(ArrayBufferWriter<byte> into, CancellationToken cancellationToken)
    {
        var progress = false;
        while (TryFrame(out var opcode, out var payloadStart, out var payloadLength, out var frameEnd))
        {
            _inStart = frameEnd;
            switch (opcode)
            {
                case OpBinary or OpText or OpContinuation:
                    into.Write(_in.AsSpan(payloadStart, payloadLength));
                    progress = true;
                    break;
                case OpPing:
                    await ControlAsync(OpPong, _in.AsMemory(payloadStart, payloadLength), cancellationToken);
                    break;
                case OpClose:
                    await ControlAsync(OpClose, ReadOnlyMemory<byte>.Empty, cancellationToken);
                    return (progress, true);
            }
        }

        return (progress, false);
    }

    private bool TryFrame(out byte opcode, out int payloadStart, out int payloadLength, out int frameEnd)
    {
        opcode = 0;
        payloadStart = payloadLength = frameEnd = 0;
        var available = _in.AsSpan(_inStart, _inEnd - _inStart);
        if (available.Length < 2)
        {
            return false;
        }

        opcode = (byte)(available[0] & 0x0f);
        var masked = (available[1] & MaskBit) != 0;
        long length = available[1] & 0x7f;
        var header = 2;
        if (length == 126)
        {
            if (available.Length < 4)
            {
                return false;
            }

            length = BinaryPrimitives.ReadUInt16BigEndian(available[2..]);
            header = 4;
        }
        else if (length == 127)
        {
            if (available.Length < 10)
            {
                return false;
            }

            length = (long)BinaryPrimitives.ReadUInt64BigEndian(available[2..]);
            header = 10;
        }

        var maskAt = header;
        header += masked ? 4 : 0;
        if (length > int.MaxValue / 2)
        {
            throw new WebSocketException(WebSocketError.HeaderError, "A frame longer than the tool accepts.");
        }

        if (available.Length < header + length)
        {
            // Make room for the whole frame on the next read.
            if (_in.Length < header + length)
            {
                var bigger = new byte[(int)Math.Max(_in.Length * 2, header + length)];
                available.CopyTo(bigger);
                _in = bigger;
                _inEnd -= _inStart;
                _inStart = 0;
            }

            return false;
        }

        payloadStart = _inStart + header;
        payloadLength = (int)length;
        frameEnd = payloadStart + payloadLength;
        if (masked)
        {
            Mask(_in.AsSpan(payloadStart, payloadLength), MemoryMarshal.Read<uint>(available[maskAt..]));
        }

        return true;
    }

    private async ValueTask ControlAsync(byte opcode, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            if (_closeSent)
            {
                return;
            }

            _closeSent = opcode == OpClose;
            payload.Span.CopyTo(_control.AsSpan(MaxHeader));
            var start = Frame(_control, MaxHeader, MaxHeader + payload.Length, opcode);
            await WriteAsync(_control.AsMemory(start, MaxHeader + payload.Length - start), cancellationToken);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            _open = false;
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task UpgradeAsync(Uri url, CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);

        // The response's head, up to the blank line; anything after it is the first frames.
        int end;
        while ((end = _in.AsSpan(0, _inEnd).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_inEnd == _in.Length)
            {
                throw new WebSocketException(WebSocketError.HeaderError, "The upgrade response's head is too long.");
            }

            var read = await ReadAsync(_in.AsMemory(_inEnd), cancellationToken);
            if (read == 0)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The server closed the connection during the upgrade.");
            }

            _inEnd += read;
        }

        var head = Encoding.ASCII.GetString(_in, 0, end);
        _inStart = end + 4;
        var lines = head.Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || status[1] != "101")
        {
            throw new WebSocketException(WebSocketError.NotAWebSocket, $"The server returned status code '{(status.Length > 1 ? status[1] : lines[0])}' when status code '101' was expected.");
        }

        var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        var accept = lines.Skip(1).Select(l => l.Split(':', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim().Equals("Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase));
        if (accept is null || accept[1].Trim() != expected)
        {
            throw new WebSocketException(WebSocketError.HeaderError, "The server's Sec-WebSocket-Accept does not answer the key.");
        }
    }

    private ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        _tls is not null ? _tls.WriteAsync(bytes, cancellationToken) : SendAllAsync(bytes, cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
            bytes = bytes[sent..];
        }
    }

    private ValueTask<int> ReadAsync(Memory<byte> into, CancellationToken cancellationToken) =>
        _tls is not null ? _tls.ReadAsync(into, cancellationToken) : _socket.ReceiveAsync(into, SocketFlags.None, cancellationToken);

    private void ThrowIfClosed()
    {
        if (!_open || _closeSent)
        {
            throw new WebSocketException(WebSocketError.InvalidState, "Not connected.");
        }
    }
}
