using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Game.Functions.Contracts;
using MessagePack;

namespace LoadTest.Phones;

/// <summary>
/// The phone hub's SignalR MessagePack frames, written and read by hand for the load tool's phones: the
/// <c>SendMotion</c> invocation a phone sends, and what the hub sends back (completions, <c>Standing</c> pushes,
/// pings, close). The bytes are those <see cref="Microsoft.AspNetCore.SignalR.Protocol.MessagePackHubProtocol"/>
/// writes for the same message (Game.Tests/LoadTest/PhoneHubWireTests compares them), without its message objects,
/// its formatters over <see cref="MotionBatch"/> and its copy out of a segmented buffer: at 10,000 messages a second
/// those were a tenth of the tool's CPU and a fifth of what it allocated (docs/performance.md, "The load tool's own CPU").
/// </summary>
public static class PhoneHubWire
{
    /// <summary>Room left before a message for its length prefix (at most 5 bytes) and a WebSocket frame header (at most 14).</summary>
    public const int HeadRoom = 19;

    private const int InvocationType = 1;
    private const int CompletionType = 3;
    private const int PingType = 6;
    private const int CloseType = 7;
    private const int ErrorResult = 1;
    private const int NonVoidResult = 3;

    private static readonly byte[] SendMotionTarget = Encoding.UTF8.GetBytes(PhoneHubMethods.SendMotion);
    private static readonly byte[] StandingTarget = Encoding.UTF8.GetBytes(nameof(IPhoneClient.Standing));

    // MotionBatch's and MotionSample's MessagePack keys, each already written as a MessagePack string.
    private static readonly byte[] GameIdKey = Key("gameId");
    private static readonly byte[] PlayerIdKey = Key("playerId");
    private static readonly byte[] SeqKey = Key("seq");
    private static readonly byte[] SamplesKey = Key("samples");
    private static readonly byte[] TKey = Key("t");
    private static readonly byte[] XKey = Key("x");
    private static readonly byte[] YKey = Key("y");
    private static readonly byte[] ZKey = Key("z");

    /// <summary>
    /// Writes <c>SendMotion(batch)</c> with invocation id <paramref name="invocationId"/> (its decimal digits, as the
    /// SignalR client numbers them) into <paramref name="buffer"/>, length prefix included, and returns where the
    /// frame starts: at least <see cref="HeadRoom"/> minus 5 bytes are free before it.
    /// </summary>
    public static int WriteSendMotion(FrameBuffer buffer, long invocationId, MotionBatch batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(invocationId);
        buffer.Reset();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(6);
        writer.Write(InvocationType);
        writer.WriteMapHeader(0);
        var digits = 1;
        for (var rest = invocationId / 10; rest > 0; rest /= 10)
        {
            digits++;
        }

        writer.WriteStringHeader(digits);
        Utf8Formatter.TryFormat(invocationId, writer.GetSpan(digits), out var written);
        writer.Advance(written);
        writer.WriteString(SendMotionTarget);
        writer.WriteArrayHeader(1);
        writer.WriteMapHeader(4);
        writer.WriteRaw(GameIdKey);
        writer.Write(batch.GameId);
        writer.WriteRaw(PlayerIdKey);
        writer.Write(batch.PlayerId);
        writer.WriteRaw(SeqKey);
        writer.Write(batch.Seq);
        writer.WriteRaw(SamplesKey);
        var samples = batch.Samples;
        writer.WriteArrayHeader(samples.Count);
        if (samples is SampleBatch values)
        {
            foreach (var (t, x, y, z) in values.Values)
            {
                WriteSample(ref writer, t, x, y, z);
            }
        }
        else
        {
            for (var i = 0; i < samples.Count; i++)
            {
                var sample = samples[i];
                WriteSample(ref writer, sample.T, sample.X, sample.Y, sample.Z);
            }
        }

        writer.WriteArrayHeader(0);
        writer.Flush();
        return buffer.PrefixLength();
    }

    private static void WriteSample(ref MessagePackWriter writer, double t, double x, double y, double z)
    {
        writer.WriteMapHeader(4);
        writer.WriteRaw(TKey);
        writer.Write(t);
        writer.WriteRaw(XKey);
        writer.Write(x);
        writer.WriteRaw(YKey);
        writer.Write(y);
        writer.WriteRaw(ZKey);
        writer.Write(z);
    }

    /// <summary>Writes a ping (<c>[6]</c>) with its length prefix; returns where the frame starts, as <see cref="WriteSendMotion"/>.</summary>
    public static int WritePing(FrameBuffer buffer)
    {
        buffer.Reset();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(1);
        writer.Write(PingType);
        writer.Flush();
        return buffer.PrefixLength();
    }

    /// <summary>
    /// Takes the first whole message off <paramref name="input"/> (a length prefix and its payload); false when the
    /// input holds only part of one. A malformed length prefix throws <see cref="InvalidDataException"/>.
    /// </summary>
    public static bool TryTakeMessage(ref ReadOnlySpan<byte> input, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        var length = 0;
        var consumed = 0;
        while (true)
        {
            if (consumed == input.Length)
            {
                return false;
            }

            if (consumed == 5)
            {
                throw new InvalidDataException("A message's length prefix is longer than 5 bytes.");
            }

            var b = input[consumed];
            length |= (b & 0x7f) << (7 * consumed);
            consumed++;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        if (length < 0 || input.Length - consumed < length)
        {
            return false;
        }

        payload = input.Slice(consumed, length);
        input = input[(consumed + length)..];
        return true;
    }

    /// <summary>
    /// Reads one message from the hub (a payload from <see cref="TryTakeMessage"/>): a completion's invocation id and
    /// result, a <c>Standing</c> push, a close, or anything else (pings, other invocations), which the phone ignores.
    /// The standing in an ack is skipped, not decoded: the phone only counts that it came.
    /// </summary>
    public static HubFrame Read(ReadOnlyMemory<byte> payload)
    {
        var reader = new MessagePackReader(payload);
        var fields = reader.ReadArrayHeader();
        var type = reader.ReadInt32();
        switch (type)
        {
            case CompletionType:
            {
                SkipHeaders(ref reader);
                var id = ReadInvocationId(ref reader);
                var kind = reader.ReadInt32();
                if (kind == ErrorResult)
                {
                    return new HubFrame(HubFrameKind.Completion, id, null, reader.ReadString() ?? "", false);
                }

                return kind == NonVoidResult
                    ? ReadAck(ref reader, id)
                    : new HubFrame(HubFrameKind.Completion, id, null, null, false);
            }

            case InvocationType:
            {
                SkipHeaders(ref reader);
                reader.Skip();
                var target = reader.ReadStringSequence();
                var isStanding = target is { } t && t.IsSingleSegment && t.FirstSpan.SequenceEqual(StandingTarget);
                return new HubFrame(isStanding ? HubFrameKind.Standing : HubFrameKind.Other, 0, null, null, false);
            }

            case CloseType:
                return new HubFrame(HubFrameKind.Close, 0, null, fields > 1 ? reader.ReadString() : null, false);
            default:
                return new HubFrame(HubFrameKind.Other, 0, null, null, false);
        }
    }

    private static HubFrame ReadAck(ref MessagePackReader reader, long id)
    {
        if (reader.TryReadNil())
        {
            return new HubFrame(HubFrameKind.Completion, id, null, null, false);
        }

        long seq = 0;
        bool accepted = false, standing = false;
        string? error = null;
        var keys = reader.ReadMapHeader();
        for (var i = 0; i < keys; i++)
        {
            var key = reader.ReadStringSequence() is { IsSingleSegment: true } k ? k.FirstSpan : default;
            if (key.SequenceEqual("seq"u8))
            {
                seq = reader.ReadInt64();
            }
            else if (key.SequenceEqual("accepted"u8))
            {
                accepted = reader.ReadBoolean();
            }
            else if (key.SequenceEqual("error"u8))
            {
                error = reader.ReadString();
            }
            else if (key.SequenceEqual("standing"u8))
            {
                standing = !reader.TryReadNil();
                if (standing)
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return new HubFrame(HubFrameKind.Completion, id, new MotionAck { Seq = seq, Accepted = accepted, Error = error }, null, standing);
    }

    private static void SkipHeaders(ref MessagePackReader reader)
    {
        var headers = reader.ReadMapHeader();
        for (var i = 0; i < headers * 2; i++)
        {
            reader.Skip();
        }
    }

    /// <summary>The id as the phone wrote it (decimal digits); 0 for anything else, which matches no pending send.</summary>
    private static long ReadInvocationId(ref MessagePackReader reader)
    {
        var digits = reader.ReadStringSequence();
        return digits is { IsSingleSegment: true } d && Utf8Parser.TryParse(d.FirstSpan, out long id, out var used) && used == d.Length ? id : 0;
    }

    private static byte[] Key(string name)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.Write(name);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>What a hub message was, as far as a phone cares.</summary>
public enum HubFrameKind
{
    Other,
    Completion,
    Standing,
    Close,
}

/// <summary>
/// One message from the hub: for a completion its invocation id and the ack (null for a void or nil result), or the
/// error; for a close its error. <paramref name="AckHadStanding"/>: the ack carried the phone's standing.
/// </summary>
public readonly record struct HubFrame(HubFrameKind Kind, long InvocationId, MotionAck? Ack, string? Error, bool AckHadStanding);

/// <summary>
/// A reusable buffer for one outgoing message, with <see cref="PhoneHubWire.HeadRoom"/> bytes kept free in front of
/// the payload so the length prefix and the WebSocket frame header go in front of it without a copy.
/// </summary>
public sealed class FrameBuffer : IBufferWriter<byte>
{
    private byte[] _buffer;
    private int _written = PhoneHubWire.HeadRoom;

    public FrameBuffer(int capacity = 1024) => _buffer = new byte[Math.Max(capacity, PhoneHubWire.HeadRoom + 64)];

    /// <summary>The whole array: the frame is <c>[start, End)</c> as the writers return it.</summary>
    public byte[] Array => _buffer;

    /// <summary>Where the written bytes end.</summary>
    public int End => _written;

    public void Reset() => _written = PhoneHubWire.HeadRoom;

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Writes the payload's length (7 bits a byte, low first, as SignalR's binary framing) just before it; returns where it starts.</summary>
    internal int PrefixLength()
    {
        var length = _written - PhoneHubWire.HeadRoom;
        Span<byte> prefix = stackalloc byte[5];
        var count = 0;
        do
        {
            var b = (byte)(length & 0x7f);
            length >>= 7;
            prefix[count++] = length > 0 ? (byte)(b | 0x80) : b;
        }
        while (length > 0);

        var start = PhoneHubWire.HeadRoom - count;
        prefix[..count].CopyTo(_buffer.AsSpan(start));
        return start;
    }

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 256);
        if (_buffer.Length - _written < needed)
        {
            System.Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _written + needed));
        }
    }
}
