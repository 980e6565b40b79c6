using System.Buffers.Binary;
using System.Text;

namespace Game.Functions.Contracts;

/// <summary>Receives the samples of a batch as <see cref="MotionBatchScanner.TryScan"/> reads them.</summary>
public interface IMotionSampleSink
{
    /// <summary>
    /// A <c>samples</c> array of <paramref name="count"/> samples begins. Called again if the key repeats: the last
    /// array is the batch's, as MessagePack's formatter keeps the last value of a repeated key.
    /// </summary>
    void Begin(int count);

    /// <summary>Sample <paramref name="index"/> of the array begun last; a key the sample lacks is 0.</summary>
    void Sample(int index, double t, double x, double y, double z);
}

/// <summary>A batch's fields besides its samples; a field the batch lacks keeps <see cref="MotionBatch"/>'s default.</summary>
public readonly record struct MotionBatchFields(string GameId, string PlayerId, long Seq);

/// <summary>
/// Reads a MessagePack <see cref="MotionBatch"/> in the shape phones and browsers send from one contiguous span, by
/// hand: a map of <c>gameId</c>, <c>playerId</c> (strings), <c>seq</c> (an integer) and <c>samples</c>, an array of
/// maps of at most four of <c>t</c>, <c>x</c>, <c>y</c>, <c>z</c> with numbers (any integer or float code).
/// </summary>
/// <remarks>
/// Why by hand: <c>MessagePackReader</c> reads every code through a <c>SequenceReader</c> over a
/// <c>ReadOnlySequence</c>, and walking the phones' batches with it was about half the server's busy samples at
/// full load (docs/performance.md, issue 19 round two). A batch is a few hundred bytes in one buffer, and its dozen
/// codes are a switch each.
/// <para>
/// The scan only ever says yes to what the callers' <c>MessagePackReader</c> walks (<c>PhoneBatchFormatter</c>,
/// <c>MotionRecordReader</c>) accept, with the same values: numbers converted as <c>ReadDouble</c> and
/// <c>ReadInt64</c> convert them, strings decoded as <c>ReadString</c> decodes them, a repeated key's last value
/// kept. Anything else — another key or code, a nil, a <c>uint64</c> seq above <see cref="long.MaxValue"/>, a
/// negative 32-bit count, a sample of five keys, data that ends early — is a no, and the caller hands the data to
/// its <c>MessagePackReader</c> path, which accepts, defaults or refuses it as before.
/// </para>
/// </remarks>
public static class MotionBatchScanner
{
    /// <summary>Most keys a sample has: <c>t</c>, <c>x</c>, <c>y</c>, <c>z</c>.</summary>
    public const int MaxSampleKeys = 4;

    /// <summary>
    /// True when <paramref name="data"/> starts with a batch in the usual shape; <paramref name="consumed"/> is then
    /// its length (bytes may follow it). False as soon as it is not, or when the data ends before the batch does.
    /// </summary>
    public static bool TryScan<TSink>(ReadOnlySpan<byte> data, ref TSink sink, out MotionBatchFields fields, out int consumed)
        where TSink : struct, IMotionSampleSink
    {
        fields = default;
        consumed = 0;
        var cursor = new Cursor(data);
        if (!cursor.TryReadMapHeader(out var count))
        {
            return false;
        }

        string gameId = "", playerId = "";
        long seq = 0;
        for (var f = 0; f < count; f++)
        {
            if (!cursor.TryReadString(out var key))
            {
                return false;
            }

            if (key.SequenceEqual("samples"u8))
            {
                if (!TryScanSamples(ref cursor, ref sink))
                {
                    return false;
                }
            }
            else if (key.SequenceEqual("seq"u8))
            {
                if (!cursor.TryReadInt64(out seq))
                {
                    return false;
                }
            }
            else if (key.SequenceEqual("gameId"u8))
            {
                if (!cursor.TryReadString(out var value))
                {
                    return false;
                }

                gameId = Decode(value);
            }
            else if (key.SequenceEqual("playerId"u8))
            {
                if (!cursor.TryReadString(out var value))
                {
                    return false;
                }

                playerId = Decode(value);
            }
            else
            {
                return false;
            }
        }

        fields = new MotionBatchFields(gameId, playerId, seq);
        consumed = cursor.Position;
        return true;
    }

    private static bool TryScanSamples<TSink>(ref Cursor cursor, ref TSink sink)
        where TSink : struct, IMotionSampleSink
    {
        // Each sample takes at least a byte: a count beyond what is left is not a batch (and must not size an array).
        if (!cursor.TryReadArrayHeader(out var count) || count > cursor.Remaining)
        {
            return false;
        }

        sink.Begin(count);
        for (var i = 0; i < count; i++)
        {
            if (!cursor.TryReadMapHeader(out var keys) || keys > MaxSampleKeys)
            {
                return false;
            }

            double t = 0, x = 0, y = 0, z = 0;
            for (var k = 0; k < keys; k++)
            {
                if (!cursor.TryReadString(out var key) || key.Length != 1)
                {
                    return false;
                }

                var name = key[0];
                if (!cursor.TryReadDouble(out var value))
                {
                    return false;
                }

                switch (name)
                {
                    case (byte)'t': t = value; break;
                    case (byte)'x': x = value; break;
                    case (byte)'y': y = value; break;
                    case (byte)'z': z = value; break;
                    default: return false;
                }
            }

            sink.Sample(i, t, x, y, z);
        }

        return true;
    }

    /// <summary>As <c>MessagePackReader.ReadString</c> decodes: UTF-8, an invalid sequence replaced by U+FFFD.</summary>
    private static string Decode(ReadOnlySpan<byte> utf8) => utf8.IsEmpty ? "" : Encoding.UTF8.GetString(utf8);

    /// <summary>
    /// The MessagePack codes a batch uses, read from a span. Every method answers false for any other code and for
    /// data that ends early, and then leaves the position undefined: the scan is over.
    /// </summary>
    private ref struct Cursor(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public int Position { get; private set; }

        public readonly int Remaining => _data.Length - Position;

        /// <summary>fixmap, map16, map32 (a count that does not fit an int is not a batch).</summary>
        public bool TryReadMapHeader(out int count) => TryReadCount(0x80, 0xde, out count);

        /// <summary>fixarray, array16, array32.</summary>
        public bool TryReadArrayHeader(out int count) => TryReadCount(0x90, 0xdc, out count);

        /// <summary>fixstr, str8, str16, str32: the string's UTF-8 bytes.</summary>
        public bool TryReadString(out ReadOnlySpan<byte> utf8)
        {
            utf8 = default;
            if (Position >= _data.Length)
            {
                return false;
            }

            var code = _data[Position];
            int header, length;
            switch (code)
            {
                case >= 0xa0 and <= 0xbf:
                    (header, length) = (1, code & 0x1f);
                    break;
                case 0xd9 when Remaining >= 2:
                    (header, length) = (2, _data[Position + 1]);
                    break;
                case 0xda when Remaining >= 3:
                    (header, length) = (3, BinaryPrimitives.ReadUInt16BigEndian(_data[(Position + 1)..]));
                    break;
                case 0xdb when Remaining >= 5:
                    (header, length) = (5, BinaryPrimitives.ReadInt32BigEndian(_data[(Position + 1)..]));
                    break;
                default:
                    return false;
            }

            if (length < 0 || length > Remaining - header)
            {
                return false;
            }

            utf8 = _data.Slice(Position + header, length);
            Position += header + length;
            return true;
        }

        /// <summary>Any integer code, as <c>ReadInt64</c> reads it; a uint64 above <see cref="long.MaxValue"/> (which it refuses) is false.</summary>
        public bool TryReadInt64(out long value)
        {
            value = 0;
            if (Position >= _data.Length)
            {
                return false;
            }

            var code = _data[Position];
            var payload = _data[(Position + 1)..];
            switch (code)
            {
                case <= 0x7f: value = code; Position += 1; return true;
                case >= 0xe0: value = unchecked((sbyte)code); Position += 1; return true;
                case 0xcc when payload.Length >= 1: value = payload[0]; Position += 2; return true;
                case 0xcd when payload.Length >= 2: value = BinaryPrimitives.ReadUInt16BigEndian(payload); Position += 3; return true;
                case 0xce when payload.Length >= 4: value = BinaryPrimitives.ReadUInt32BigEndian(payload); Position += 5; return true;
                case 0xcf when payload.Length >= 8 && BinaryPrimitives.ReadUInt64BigEndian(payload) <= long.MaxValue:
                    value = (long)BinaryPrimitives.ReadUInt64BigEndian(payload); Position += 9; return true;
                case 0xd0 when payload.Length >= 1: value = unchecked((sbyte)payload[0]); Position += 2; return true;
                case 0xd1 when payload.Length >= 2: value = BinaryPrimitives.ReadInt16BigEndian(payload); Position += 3; return true;
                case 0xd2 when payload.Length >= 4: value = BinaryPrimitives.ReadInt32BigEndian(payload); Position += 5; return true;
                case 0xd3 when payload.Length >= 8: value = BinaryPrimitives.ReadInt64BigEndian(payload); Position += 9; return true;
                default: return false;
            }
        }

        /// <summary>Any integer or float code, converted as <c>ReadDouble</c> converts it.</summary>
        public bool TryReadDouble(out double value)
        {
            value = 0;
            if (Position >= _data.Length)
            {
                return false;
            }

            var code = _data[Position];
            var payload = _data[(Position + 1)..];
            switch (code)
            {
                case 0xcb when payload.Length >= 8: value = BinaryPrimitives.ReadDoubleBigEndian(payload); Position += 9; return true;
                case 0xca when payload.Length >= 4: value = BinaryPrimitives.ReadSingleBigEndian(payload); Position += 5; return true;
                case 0xcf when payload.Length >= 8: value = BinaryPrimitives.ReadUInt64BigEndian(payload); Position += 9; return true;
                default:
                    if (!TryReadInt64(out var integer))
                    {
                        return false;
                    }

                    value = integer;
                    return true;
            }
        }

        /// <summary>A fix code's count in its low four bits, or a 16- or 32-bit count after <paramref name="code16"/> / the code after it.</summary>
        private bool TryReadCount(byte fixBase, byte code16, out int count)
        {
            count = 0;
            if (Position >= _data.Length)
            {
                return false;
            }

            var code = _data[Position];
            if (code >= fixBase && code <= fixBase + 0x0f)
            {
                count = code & 0x0f;
                Position += 1;
                return true;
            }

            if (code == code16 && Remaining >= 3)
            {
                count = BinaryPrimitives.ReadUInt16BigEndian(_data[(Position + 1)..]);
                Position += 3;
                return true;
            }

            if (code == code16 + 1 && Remaining >= 5)
            {
                count = BinaryPrimitives.ReadInt32BigEndian(_data[(Position + 1)..]);
                Position += 5;
                return count >= 0;
            }

            return false;
        }
    }
}
