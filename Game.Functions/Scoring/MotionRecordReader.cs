using Game.Functions.Contracts;
using MessagePack;

namespace Game.Functions.Scoring;

/// <summary>
/// Reads the score function's records: a batch in the shape phones send (a MessagePack map of <c>gameId</c>,
/// <c>playerId</c>, <c>seq</c> and <c>samples</c>, each sample a map of at most <c>t</c>, <c>x</c>, <c>y</c>, <c>z</c>
/// with numbers) is read straight into a <see cref="MotionBatch"/>; anything else goes to
/// <see cref="MotionBatchCodec.TryDecode"/>, so the answer is always the codec's.
/// </summary>
/// <remarks>
/// Why beside the codec: decoding the records was 18 % of the server's CPU at full load, most of it MessagePack's
/// general object formatter matching each sample's string keys (docs/performance.md, 2026-12-02 profile). Reading the
/// doubles as <see cref="MessagePackReader.ReadDouble"/> does — any integer or float — gives the same values.
/// The record is one array, so the usual shape is read by hand from its span (<see cref="MotionBatchScanner"/>):
/// through <see cref="MessagePackReader"/>'s <c>SequenceReader</c> the reading was still a quarter of the server's
/// busy samples (issue 19 round two). What the scan does not take is read as before.
/// </remarks>
public static class MotionRecordReader
{
    public static bool TryRead(ReadOnlyMemory<byte> data, out MotionBatch batch) =>
        TryScan(data.Span, out batch) || TryReadWithReader(data, out batch);

    /// <summary>The usual shape, read by hand; false (and nothing decided) for anything else.</summary>
    internal static bool TryScan(ReadOnlySpan<byte> data, out MotionBatch batch)
    {
        var samples = new SampleArray();
        if (MotionBatchScanner.TryScan(data, ref samples, out var fields, out var consumed) && consumed == data.Length
            && fields.GameId.Length > 0 && fields.PlayerId.Length > 0)
        {
            batch = new MotionBatch { GameId = fields.GameId, PlayerId = fields.PlayerId, Seq = fields.Seq, Samples = samples.Samples ?? [] };
            return true;
        }

        batch = new MotionBatch();
        return false;
    }

    /// <summary>The general path: the usual shape through <see cref="MessagePackReader"/>, anything else through the codec.</summary>
    internal static bool TryReadWithReader(ReadOnlyMemory<byte> data, out MotionBatch batch)
    {
        try
        {
            var reader = new MessagePackReader(data);
            if (TryReadUsualShape(ref reader, out var read) && reader.End
                && read.Samples is not null && !string.IsNullOrEmpty(read.GameId) && !string.IsNullOrEmpty(read.PlayerId))
            {
                batch = read;
                return true;
            }
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or OverflowException or ArgumentException)
        {
            // Not in the usual shape after all: the codec decides. ArgumentOutOfRangeException: TryReadStringSpan
            // throws it for a str32 length above int.MaxValue (which the codec refuses).
        }

        return MotionBatchCodec.TryDecode(data, out batch);
    }

    private static bool TryReadUsualShape(ref MessagePackReader reader, out MotionBatch batch)
    {
        batch = new MotionBatch();
        if (reader.End || reader.NextMessagePackType != MessagePackType.Map)
        {
            return false;
        }

        string gameId = "", playerId = "";
        long seq = 0;
        MotionSample[] samples = [];
        var fields = reader.ReadMapHeader();
        for (var f = 0; f < fields; f++)
        {
            if (reader.NextMessagePackType != MessagePackType.String || !reader.TryReadStringSpan(out var key))
            {
                return false;
            }

            if (key.SequenceEqual("samples"u8))
            {
                if (!TryReadSamples(ref reader, out samples))
                {
                    return false;
                }
            }
            else if (key.SequenceEqual("seq"u8) && reader.NextMessagePackType == MessagePackType.Integer)
            {
                seq = reader.ReadInt64();
            }
            else if (key.SequenceEqual("gameId"u8) && reader.NextMessagePackType == MessagePackType.String)
            {
                gameId = reader.ReadString()!;
            }
            else if (key.SequenceEqual("playerId"u8) && reader.NextMessagePackType == MessagePackType.String)
            {
                playerId = reader.ReadString()!;
            }
            else
            {
                return false;
            }
        }

        batch = new MotionBatch { GameId = gameId, PlayerId = playerId, Seq = seq, Samples = samples };
        return true;
    }

    private static bool TryReadSamples(ref MessagePackReader reader, out MotionSample[] samples)
    {
        samples = [];
        if (reader.NextMessagePackType != MessagePackType.Array)
        {
            return false;
        }

        var count = reader.ReadArrayHeader();
        var read = new MotionSample[count];
        for (var i = 0; i < count; i++)
        {
            if (reader.NextMessagePackType != MessagePackType.Map)
            {
                return false;
            }

            double t = 0, x = 0, y = 0, z = 0;
            var keys = reader.ReadMapHeader();
            for (var k = 0; k < keys; k++)
            {
                if (reader.NextMessagePackType != MessagePackType.String || !reader.TryReadStringSpan(out var key) || key.Length != 1
                    || reader.NextMessagePackType is not (MessagePackType.Integer or MessagePackType.Float))
                {
                    return false;
                }

                switch (key[0])
                {
                    case (byte)'t': t = reader.ReadDouble(); break;
                    case (byte)'x': x = reader.ReadDouble(); break;
                    case (byte)'y': y = reader.ReadDouble(); break;
                    case (byte)'z': z = reader.ReadDouble(); break;
                    default: return false;
                }
            }

            read[i] = new MotionSample { T = t, X = x, Y = y, Z = z };
        }

        samples = read;
        return true;
    }

    /// <summary>The samples as the scan reads them, into an array of the batch's count.</summary>
    private struct SampleArray : IMotionSampleSink
    {
        public MotionSample[]? Samples { get; private set; }

        public void Begin(int count) => Samples = count == 0 ? [] : new MotionSample[count];

        public readonly void Sample(int index, double t, double x, double y, double z) =>
            Samples![index] = new MotionSample { T = t, X = x, Y = y, Z = z };
    }
}
