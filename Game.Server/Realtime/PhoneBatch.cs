using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Game.Functions.Contracts;
using MessagePack;
using MessagePack.Formatters;

namespace Game.Server.Realtime;

/// <summary>
/// A phone's <see cref="MotionBatch"/> as the phone hub binds it: the fields the hub checks, and the stream record
/// to append (docs/protocol.md's MessagePack batch). The wire is the same <c>MotionBatch</c> as ever; only the
/// server's binding differs.
/// </summary>
/// <remarks>
/// Why not bind a <see cref="MotionBatch"/>: decoding every sample into objects and encoding them again for the stream
/// was a third of the server's CPU at full load (docs/performance.md, 2026-12-02 profile), only to store the bytes
/// the phone had sent. A batch in the shape phones send is now checked in one pass and its own bytes become the
/// record (<see cref="PhoneBatchFormatter"/>); anything else is decoded and encoded as before.
/// </remarks>
[JsonConverter(typeof(PhoneBatchJsonConverter))]
public sealed class PhoneBatch
{
    internal PhoneBatch(string gameId, string playerId, long seq, int? sampleCount, byte[] record)
    {
        GameId = gameId;
        PlayerId = playerId;
        Seq = seq;
        SampleCount = sampleCount;
        Record = record;
    }

    public string GameId { get; }

    public string PlayerId { get; }

    public long Seq { get; }

    /// <summary>
    /// How many samples the batch carries; null when its <c>samples</c> is nil or holds a nil sample, which no score
    /// can be earned with (acknowledged, it would be a batch the score function skips: a sample acknowledged and never counted).
    /// </summary>
    public int? SampleCount { get; }

    /// <summary>The batch as the stream stores it: MessagePack, the phone's own bytes when they were in the usual shape.</summary>
    public byte[] Record { get; }

    /// <summary>A batch that came decoded (JSON, or MessagePack in an unusual shape): encoded for the stream as before.</summary>
    public static PhoneBatch From(MotionBatch batch) => new(
        batch.GameId ?? "", batch.PlayerId ?? "", batch.Seq, batch.Samples is { } samples && !samples.Contains(null!) ? samples.Count : null,
        MotionBatchCodec.Encode(batch));
}

/// <summary>
/// Binds a <see cref="PhoneBatch"/> from SignalR's MessagePack without decoding its samples. The shape phones send —
/// a map of <c>gameId</c>, <c>playerId</c> (strings), <c>seq</c> (an integer) and <c>samples</c>, an array of maps of
/// at most <c>t</c>, <c>x</c>, <c>y</c>, <c>z</c> with numbers — is walked once, and its bytes are the record. Every
/// other shape (another key, a nil, a string where a number goes, an array for a map) is decoded from the start by
/// <see cref="MotionBatch"/>'s own formatter and encoded again, so it is accepted, defaulted or refused exactly as
/// before, and the stream only ever holds records that decode to the batch the hub checked.
/// </summary>
/// <remarks>
/// The walk reads no structure deeper than a sample's numbers: anything nested goes to the usual formatter. It is
/// done by hand on the payload's bytes when the batch lies in one segment (<see cref="MotionBatchScanner"/>, which
/// says yes only to what the <c>MessagePackReader</c> walk accepts, with the same fields), and through
/// <c>MessagePackReader</c> otherwise: walking every code through a <c>SequenceReader</c> was 15 % of the
/// server's busy samples at full load (docs/performance.md, issue 19 round two).
/// </remarks>
public sealed class PhoneBatchFormatter : IMessagePackFormatter<PhoneBatch?>
{
    public static readonly PhoneBatchFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, PhoneBatch? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteRaw(value.Record);
    }

    public PhoneBatch? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        TryScan(ref reader, out var batch) ? batch : DeserializeWithReader(ref reader, options);

    /// <summary>
    /// The batch read by hand from the bytes left in the reader's current segment (<see cref="MotionBatchScanner"/>),
    /// the reader then past it. False, the reader untouched, for anything the scan does not take — another shape, or
    /// a batch that goes on into the next segment — which <see cref="DeserializeWithReader"/> then reads.
    /// </summary>
    /// <remarks>
    /// SignalR hands the formatter a reader over the message's payload; a message that arrived within one pipe block
    /// (4 KB: a phone's batch of 10 samples is about 450 bytes) is one segment.
    /// </remarks>
    internal static bool TryScan(ref MessagePackReader reader, out PhoneBatch? batch)
    {
        batch = null;
        var sequence = reader.Sequence;
        var rest = sequence.IsSingleSegment ? sequence.FirstSpan[(int)reader.Consumed..] : sequence.Slice(reader.Position).FirstSpan;
        var counter = new SampleCounter();
        if (!MotionBatchScanner.TryScan(rest, ref counter, out var fields, out var consumed))
        {
            return false;
        }

        // The record outlives the message (the stream and the score function keep it): a fresh array of its own,
        // not one from a pool. Every byte is written at once, so it need not be zeroed first.
        var record = GC.AllocateUninitializedArray<byte>(consumed);
        rest[..consumed].CopyTo(record);
        reader.ReadRaw(consumed);
        batch = new PhoneBatch(fields.GameId, fields.PlayerId, fields.Seq, counter.Count, record);
        return true;
    }

    /// <summary>
    /// The general path, through <c>MessagePackReader</c> on any sequence: the usual shape walked and its bytes
    /// copied, anything else decoded by <see cref="MotionBatch"/>'s formatter and encoded again.
    /// </summary>
    internal static PhoneBatch? DeserializeWithReader(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        var origin = reader.CreatePeekReader();
        if (TryWalk(ref reader, out var gameId, out var playerId, out var seq, out var samples))
        {
            return new PhoneBatch(gameId, playerId, seq, samples, reader.Sequence.Slice(origin.Position, reader.Position).ToArray());
        }

        reader = origin;
        var batch = options.Resolver.GetFormatterWithVerify<MotionBatch>().Deserialize(ref reader, options);
        return batch is null ? null : PhoneBatch.From(batch);
    }

    /// <summary>True when the batch is in the usual shape (the reader is then past it); false as soon as it is not.</summary>
    private static bool TryWalk(ref MessagePackReader reader, out string gameId, out string playerId, out long seq, out int? samples)
    {
        // A missing field keeps MotionBatch's default, as its formatter does.
        (gameId, playerId, seq, samples) = ("", "", 0, 0);
        if (reader.NextMessagePackType != MessagePackType.Map)
        {
            return false;
        }

        var fields = reader.ReadMapHeader();
        for (var f = 0; f < fields; f++)
        {
            if (reader.NextMessagePackType != MessagePackType.String || !reader.TryReadStringSpan(out var key))
            {
                return false;
            }

            if (key.SequenceEqual("samples"u8))
            {
                if (!TryWalkSamples(ref reader, out var count))
                {
                    return false;
                }

                samples = count;
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

        return true;
    }

    private static bool TryWalkSamples(ref MessagePackReader reader, out int count)
    {
        count = 0;
        if (reader.NextMessagePackType != MessagePackType.Array)
        {
            return false;
        }

        count = reader.ReadArrayHeader();
        for (var i = 0; i < count; i++)
        {
            if (reader.NextMessagePackType != MessagePackType.Map)
            {
                return false;
            }

            var keys = reader.ReadMapHeader();
            if (keys > MotionBatchScanner.MaxSampleKeys)
            {
                return false;
            }

            for (var k = 0; k < keys; k++)
            {
                if (reader.NextMessagePackType != MessagePackType.String || !reader.TryReadStringSpan(out var key)
                    || key.Length != 1 || key[0] is not ((byte)'t' or (byte)'x' or (byte)'y' or (byte)'z'))
                {
                    return false;
                }

                // What MotionSample's formatter reads as a double: any integer or float. A scalar: Skip does not recurse.
                if (reader.NextMessagePackType is not (MessagePackType.Integer or MessagePackType.Float))
                {
                    return false;
                }

                reader.Skip();
            }
        }

        return true;
    }

    /// <summary>Counts the samples; their values are not needed here (the score function reads them).</summary>
    private struct SampleCounter : IMotionSampleSink
    {
        public int Count { get; private set; }

        public void Begin(int count) => Count = count;

        public readonly void Sample(int index, double t, double x, double y, double z)
        {
        }
    }
}

/// <summary>SignalR's JSON protocol (also accepted on the phone hub): a <see cref="MotionBatch"/>, encoded for the stream as before.</summary>
public sealed class PhoneBatchJsonConverter : JsonConverter<PhoneBatch>
{
    public override PhoneBatch? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<MotionBatch>(ref reader, options) is { } batch ? PhoneBatch.From(batch) : null;

    public override void Write(Utf8JsonWriter writer, PhoneBatch value, JsonSerializerOptions options)
    {
        MotionBatchCodec.TryDecode(value.Record, out var batch);
        JsonSerializer.Serialize(writer, batch, options);
    }
}
