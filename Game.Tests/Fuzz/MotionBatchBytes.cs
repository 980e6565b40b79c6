using System.Buffers.Binary;
using System.Text;
using Game.Functions.Contracts;
using MessagePack;

namespace Game.Tests.Fuzz;

/// <summary>
/// MessagePack written byte by byte, in whichever of a value's encodings a test asks for (a MessagePack writer always
/// picks the smallest; browsers, other libraries and hostile clients need not).
/// </summary>
public sealed class MessagePackBytes
{
    private readonly List<byte> _bytes = [];

    public byte[] ToArray() => [.. _bytes];

    public MessagePackBytes Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    /// <summary>A map header: the smallest form, or form 16 / 32 (map16 / map32) when asked.</summary>
    public MessagePackBytes Map(int count, int form = 0) => Header(0x80, 0xde, count, form);

    public MessagePackBytes Array(int count, int form = 0) => Header(0x90, 0xdc, count, form);

    /// <summary>A string: the smallest header, or form 8 / 16 / 32 (str8 / str16 / str32) when asked.</summary>
    public MessagePackBytes Str(string value, int form = 0) => Str(Encoding.UTF8.GetBytes(value), form);

    public MessagePackBytes Str(byte[] utf8, int form = 0)
    {
        form = form != 0 ? form : utf8.Length <= 31 ? 0 : utf8.Length <= byte.MaxValue ? 8 : utf8.Length <= ushort.MaxValue ? 16 : 32;
        switch (form)
        {
            case 0: _bytes.Add((byte)(0xa0 | utf8.Length)); break;
            case 8: _bytes.Add(0xd9); _bytes.Add((byte)utf8.Length); break;
            case 16: Raw(0xda).BigEndian((ushort)utf8.Length); break;
            default: Raw(0xdb).BigEndian((uint)utf8.Length); break;
        }

        _bytes.AddRange(utf8);
        return this;
    }

    public MessagePackBytes Nil() => Raw(0xc0);

    public MessagePackBytes F64(double value) => Raw(0xcb).BigEndian(BitConverter.DoubleToUInt64Bits(value));

    public MessagePackBytes F32(float value) => Raw(0xca).BigEndian(BitConverter.SingleToUInt32Bits(value));

    /// <summary>An integer as MessagePackWriter writes it (the smallest form).</summary>
    public MessagePackBytes Int(long value)
    {
        var writer = new MessagePackWriter(new Sink(_bytes));
        writer.Write(value);
        writer.Flush();
        return this;
    }

    /// <summary>An integer in the given code (0xcc–0xd3, or 0 for a fixint), the value cut to that code's width.</summary>
    public MessagePackBytes Int(long value, byte code) => code switch
    {
        0 => Raw(unchecked((byte)value)),
        0xcc or 0xd0 => Raw(code, unchecked((byte)value)),
        0xcd or 0xd1 => Raw(code).BigEndian(unchecked((ushort)value)),
        0xce or 0xd2 => Raw(code).BigEndian(unchecked((uint)value)),
        _ => Raw(code).BigEndian(unchecked((ulong)value)),
    };

    /// <summary>Whatever else MessagePack's own writer writes (a bool, a float32 of a value, a raw batch).</summary>
    public MessagePackBytes Write(Action<MessagePackWriterBox> write)
    {
        write(new MessagePackWriterBox(_bytes));
        return this;
    }

    private MessagePackBytes Header(byte fixBase, byte code16, int count, int form)
    {
        form = form != 0 ? form : count <= 15 ? 0 : count <= ushort.MaxValue ? 16 : 32;
        return form switch
        {
            0 => Raw((byte)(fixBase | count)),
            16 => Raw(code16).BigEndian((ushort)count),
            _ => Raw((byte)(code16 + 1)).BigEndian(unchecked((uint)count)),
        };
    }

    private MessagePackBytes BigEndian(ushort value)
    {
        Span<byte> span = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(span, value);
        _bytes.AddRange(span);
        return this;
    }

    private MessagePackBytes BigEndian(uint value)
    {
        Span<byte> span = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(span, value);
        _bytes.AddRange(span);
        return this;
    }

    private MessagePackBytes BigEndian(ulong value)
    {
        Span<byte> span = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(span, value);
        _bytes.AddRange(span);
        return this;
    }

    /// <summary>MessagePackWriter is a ref struct; lambdas write through this.</summary>
    public sealed class MessagePackWriterBox(List<byte> bytes)
    {
        public void Bool(bool value) => Do((ref MessagePackWriter w) => w.Write(value));

        public void Single(float value) => Do((ref MessagePackWriter w) => w.Write(value));

        public void Batch(MotionBatch batch) => bytes.AddRange(MotionBatchCodec.Encode(batch));

        private void Do(WriteAction action)
        {
            var writer = new MessagePackWriter(new Sink(bytes));
            action(ref writer);
            writer.Flush();
        }

        private delegate void WriteAction(ref MessagePackWriter writer);
    }

    private sealed class Sink(List<byte> bytes) : System.Buffers.IBufferWriter<byte>
    {
        private byte[] _buffer = new byte[64];

        public void Advance(int count) => bytes.AddRange(_buffer.AsSpan(0, count));

        public Memory<byte> GetMemory(int sizeHint = 0) => _buffer = new byte[Math.Max(sizeHint, 64)];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}

/// <summary>
/// Motion batches in the shapes the hub and the score function must read alike whichever path reads them: the shapes
/// <c>PhoneBatchBindingTests</c> and <c>MotionRecordReaderTests</c> list, every code the hand-written scan takes, and
/// the near misses it must leave to <c>MessagePackReader</c>.
/// </summary>
public static class MotionBatchShapes
{
    public static readonly MotionBatch Batch = new()
    {
        GameId = "ABCDE",
        PlayerId = "p0123456789abcdef",
        Seq = 7,
        Samples = [.. Enumerable.Range(0, 10).Select(i => new MotionSample { T = 1000 + (20.5 * i), X = i, Y = -1.25, Z = 9.81 })],
    };

    /// <summary>The shapes, named; <c>usual</c> when the scan must take them (the others it may leave or take).</summary>
    public static IReadOnlyList<(string Name, bool Usual, byte[] Bytes)> All() =>
    [
        ("the SignalR client's batch", true, MotionBatchCodec.Encode(Batch)),
        ("no samples", true, MotionBatchCodec.Encode(Batch with { Samples = [] })),
        ("browser-shaped: keys reordered, integers, a float32, a key missing", true, new MessagePackBytes()
            .Map(4)
            .Str("seq").Int(3)
            .Str("samples").Array(2)
            .Map(4).Str("t").Int(1500).Str("x").F64(0.5).Str("y").Int(-3).Str("z").F32(9.5f)
            .Map(3).Str("t").F64(1520.25).Str("z").Int(30).Str("x").F64(-0.125)
            .Str("playerId").Str("p1")
            .Str("gameId").Str("G").ToArray()),
        ("every integer code for seq and the numbers", true, EveryIntegerCode()),
        ("str8/str16/str32 keys and ids, map16/map32, array16/array32", true, new MessagePackBytes()
            .Map(4, 16)
            .Str("gameId", 8).Str("G", 16)
            .Str("playerId", 16).Str("p1", 32)
            .Str("seq", 32).Int(9, 0xd3)
            .Str("samples", 8).Array(2, 32)
            .Map(2, 32).Str("t", 8).F64(1).Str("x", 16).F32(2)
            .Map(1, 16).Str("z", 32).Int(-1, 0xd0).ToArray()),
        ("special doubles: NaN, -0, infinities, a subnormal, float32 NaN", true, new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(1)
            .Str("samples").Array(2)
            .Map(4).Str("t").F64(double.NaN).Str("x").F64(-0.0).Str("y").F64(double.PositiveInfinity).Str("z").F64(double.Epsilon)
            .Map(4).Str("t").F32(float.NaN).Str("x").F32(-0.0f).Str("y").F32(float.NegativeInfinity).Str("z").F32(float.Epsilon).ToArray()),
        ("a repeated key: the last value counts", true, new MessagePackBytes()
            .Map(6).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(1).Str("seq").Int(2)
            .Str("samples").Array(1).Map(1).Str("t").Int(1)
            .Str("samples").Array(1).Map(4).Str("t").Int(5).Str("t").Int(6).Str("x").Int(7).Str("x").Int(8).ToArray()),
        ("ids in several scripts", true, new MessagePackBytes()
            .Map(4).Str("gameId").Str("Ünïcödé 日本 🎲").Str("playerId").Str("p1").Str("seq").Int(1).Str("samples").Array(0).ToArray()),
        ("ids that are not UTF-8", true, new MessagePackBytes()
            .Map(4).Str("gameId").Str([0xff, 0x41, 0xc3]).Str("playerId").Str([0xed, 0xa0, 0x80]).Str("seq").Int(1).Str("samples").Array(0).ToArray()),
        ("empty ids", true, new MessagePackBytes()
            .Map(4).Str("gameId").Str("").Str("playerId").Str("").Str("seq").Int(1).Str("samples").Array(0).ToArray()),
        ("an empty map", true, new MessagePackBytes().Map(0).ToArray()),
        ("no player", true, new MessagePackBytes()
            .Map(3).Str("gameId").Str("G").Str("seq").Int(1).Str("samples").Array(0).ToArray()),
        ("trailing bytes", true, [.. MotionBatchCodec.Encode(Batch), 0xc0]),
        ("nil", false, [0xc0]),
        ("nil samples", false, new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(1).Str("samples").Nil().ToArray()),
        ("a nil sample", false, new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(1)
            .Str("samples").Array(2).Map(1).Str("t").Int(1).Nil().ToArray()),
        ("an unknown key", false, new MessagePackBytes()
            .Map(5).Str("gameId").Str("G").Str("playerId").Str("p1").Str("extra").Write(w => w.Bool(true)).Str("seq").Int(1).Str("samples").Array(0).ToArray()),
        ("an unknown key in a sample, and an array under an unknown key", false, new MessagePackBytes()
            .Map(5).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(2)
            .Str("note").Array(1).Str("ignored")
            .Str("samples").Array(1).Map(5).Str("t").F64(10).Str("x").F64(1).Str("y").F64(2).Str("z").F64(3).Str("w").F64(4).ToArray()),
        ("a sample of five keys, all known", false, new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(1)
            .Str("samples").Array(1).Map(5).Str("t").Int(1).Str("t").Int(2).Str("x").Int(3).Str("y").Int(4).Str("z").Int(5).ToArray()),
        ("a string for a number", false, new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(1)
            .Str("samples").Array(1).Map(1).Str("t").Str("soon").ToArray()),
        ("an array where a sample goes", false, new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(1)
            .Str("samples").Array(1).Array(4).F64(1).F64(2).F64(3).F64(4).ToArray()),
        ("a float where seq goes", false, new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").F64(1.5).Str("samples").Array(0).ToArray()),
        ("a nil id", false, new MessagePackBytes()
            .Map(4).Str("gameId").Nil().Str("playerId").Str("p1").Str("seq").Int(1).Str("samples").Array(0).ToArray()),
        ("a uint64 seq above long.MaxValue", false, new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(-1, 0xcf).Str("samples").Array(0).ToArray()),
        ("a negative array32 count", false, new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(1).Str("samples").Array(-1, 32).ToArray()),
        ("a negative map32 count for a sample", false, new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(1).Str("samples").Array(1).Map(-1, 32).ToArray()),
        ("a str32 key longer than an int", false, new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(1)
            .Str("samples").Array(1).Map(1).Raw(0xdb, 0xcf, 0x80, 0, 0).Raw(0x74).ToArray()),
        ("a sample count beyond the data", false, new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(1).Str("samples").Array(60_000).ToArray()),
        ("a map key that is an integer", false, new MessagePackBytes()
            .Map(1).Int(1).Int(1).ToArray()),
        ("an array, not a map", false, new MessagePackBytes().Array(4).Str("G").Str("p1").Int(1).Array(0).ToArray()),
        ("cut short", false, MotionBatchCodec.Encode(Batch)[..^5]),
        ("JSON", false, MotionBatchCodec.EncodeJson(Batch)),
        ("JSON after whitespace", false, [.. " \n"u8, .. MotionBatchCodec.EncodeJson(Batch)]),
        ("not MessagePack at all", false, Encoding.UTF8.GetBytes("hello")),
        ("empty", false, []),
    ];

    /// <summary>Every integer code MessagePack has, for seq and for a sample's numbers.</summary>
    private static byte[] EveryIntegerCode()
    {
        var bytes = new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(long.MaxValue, 0xcf)
            .Str("samples").Array(5)
            .Map(4).Str("t").Int(127, 0).Str("x").Int(-32, 0).Str("y").Int(255, 0xcc).Str("z").Int(65535, 0xcd)
            .Map(4).Str("t").Int(uint.MaxValue, 0xce).Str("x").Int(-1, 0xcf).Str("y").Int(-128, 0xd0).Str("z").Int(short.MinValue, 0xd1)
            .Map(4).Str("t").Int(int.MinValue, 0xd2).Str("x").Int(long.MinValue, 0xd3).Str("y").Int(long.MaxValue, 0xd3).Str("z").Int(1, 0xcf)
            .Map(4).Str("t").Int(0, 0xcc).Str("x").Int(0, 0xd3).Str("y").Int(-1, 0).Str("z").Int(0, 0)
            .Map(2).Str("t").Int(long.MaxValue).Str("x").Int(long.MinValue);
        return bytes.ToArray();
    }
}
