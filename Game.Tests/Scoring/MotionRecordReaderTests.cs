using System.Buffers;
using System.Text;
using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Tests.Fuzz;
using Game.Tests.Infrastructure;
using MessagePack;

namespace Game.Tests.Scoring;

/// <summary>
/// The score function reads its records with <see cref="MotionRecordReader"/>: whatever the record, the answer is
/// <see cref="MotionBatchCodec.TryDecode"/>'s, only found faster for the shape phones send.
/// </summary>
public sealed class MotionRecordReaderTests
{
    private static readonly MotionBatch Batch = new()
    {
        GameId = "ABCDE",
        PlayerId = "p1",
        Seq = 42,
        Samples = [new MotionSample { T = 1000, X = 1.5, Y = -2, Z = 9.81 }, new MotionSample { T = 1020.5, X = -0.5, Y = 0, Z = 200 }],
    };

    public static TheoryData<string, byte[]> Records() => new()
    {
        { "the server's encoding", MotionBatchCodec.Encode(Batch) },
        { "JSON", MotionBatchCodec.EncodeJson(Batch) },
        { "JSON after whitespace", [.. " \n"u8, .. MotionBatchCodec.EncodeJson(Batch)] },
        { "integers, a float32, keys reordered, a key missing", Write(w =>
            {
                w.WriteMapHeader(4);
                w.Write("seq"); w.Write(3);
                w.Write("samples"); w.WriteArrayHeader(1);
                w.WriteMapHeader(3); w.Write("z"); w.Write(12); w.Write("t"); w.Write(1500); w.Write("x"); w.Write(0.25f);
                w.Write("playerId"); w.Write("p1");
                w.Write("gameId"); w.Write("G");
            }) },
        { "an unknown key", Write(w =>
            {
                w.WriteMapHeader(5);
                w.Write("gameId"); w.Write("G");
                w.Write("playerId"); w.Write("p1");
                w.Write("extra"); w.Write(true);
                w.Write("seq"); w.Write(1);
                w.Write("samples"); w.WriteArrayHeader(0);
            }) },
        { "no player", Write(w =>
            {
                w.WriteMapHeader(3);
                w.Write("gameId"); w.Write("G");
                w.Write("seq"); w.Write(1);
                w.Write("samples"); w.WriteArrayHeader(0);
            }) },
        { "nil samples", Write(w =>
            {
                w.WriteMapHeader(4);
                w.Write("gameId"); w.Write("G");
                w.Write("playerId"); w.Write("p1");
                w.Write("seq"); w.Write(1);
                w.Write("samples"); w.WriteNil();
            }) },
        { "a string for a number", Write(w =>
            {
                w.WriteMapHeader(4);
                w.Write("gameId"); w.Write("G");
                w.Write("playerId"); w.Write("p1");
                w.Write("seq"); w.Write(1);
                w.Write("samples"); w.WriteArrayHeader(1); w.WriteMapHeader(1); w.Write("t"); w.Write("soon");
            }) },
        { "cut short", MotionBatchCodec.Encode(Batch)[..^5] },
        { "trailing bytes", [.. MotionBatchCodec.Encode(Batch), 0xc0] },
        { "not MessagePack at all", Encoding.UTF8.GetBytes("hello") },
        { "empty", [] },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void TryRead_AnyRecord_AnswersAsTheCodec(string shape, byte[] record)
    {
        var codec = MotionBatchCodec.TryDecode(record, out var expected);

        var reader = MotionRecordReader.TryRead(record, out var read);

        Assert.True(codec == reader, shape);
        Assert.Equal((expected.GameId, expected.PlayerId, expected.Seq), (read.GameId, read.PlayerId, read.Seq));
        Assert.Equal(expected.Samples, read.Samples);
    }

    public static TheoryData<string, bool, byte[]> Shapes()
    {
        var data = new TheoryData<string, bool, byte[]>();
        foreach (var (name, usual, bytes) in MotionBatchShapes.All())
        {
            data.Add(name, usual, bytes);
        }

        foreach (var row in Records())
        {
            data.Add("the codec's cases: " + (string)row[0], false, (byte[])row[1]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TryRead_AnyShape_AnswersAsTheReaderPathAndTheCodec(string shape, bool usual, byte[] record)
    {
        _ = usual;
        var withReader = MotionReadPaths.ReadWithReader(record);

        var read = MotionReadPaths.Read(record);
        var scanned = MotionReadPaths.ReadByScan(record);

        // Exact: ids as UTF-16 units, every double's bits.
        Assert.Equal(withReader, read);
        Assert.True(scanned is null || scanned == withReader, shape);
        Assert.Equal(MotionReadPaths.Decode(record), read);
    }

    [Fact]
    public void TryRead_Str32KeyLongerThanAnInt_RefusedAsByTheCodecWithoutThrowing()
    {
        // Found by the motion-read fuzz target: MessagePackReader.TryReadStringSpan throws ArgumentOutOfRangeException
        // for a str32 length above int.MaxValue. It escaped the reader path, so such a record (a Kinesis producer can
        // put any) failed the score function's whole batch instead of being skipped.
        var record = new MessagePackBytes()
            .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(1)
            .Str("samples").Array(1).Map(1).Raw(0xdb, 0xcf, 0x80, 0, 0).Raw(0x74)
            .ToArray();

        Assert.False(MotionBatchCodec.TryDecode(record, out _));
        Assert.False(MotionRecordReader.TryRead(record, out _));
        Assert.False(MotionRecordReader.TryReadWithReader(record, out _));
    }

    [Theory]
    [InlineData("MessagePack")]
    [InlineData("JSON")]
    public void TryRead_NilSample_NotAMotionBatch(string format)
    {
        // Found by the motion-read fuzz target: MotionSample's formatter reads nil as null, so a batch of a nil sample
        // decoded with a null in its samples, and scoring it threw (ScoreLedger.Judge reads sample.T), failing the score
        // function's whole batch instead of skipping the record.
        var record = format == "JSON"
            ? Encoding.UTF8.GetBytes("""{"gameId":"G","playerId":"p1","seq":1,"samples":[{"t":1},null]}""")
            : new MessagePackBytes()
                .Map(4).Str("gameId").Str("G").Str("playerId").Str("p1").Str("seq").Int(1)
                .Str("samples").Array(2).Map(1).Str("t").Int(1).Nil()
                .ToArray();

        Assert.False(MotionBatchCodec.TryDecode(record, out _));
        Assert.False(MotionRecordReader.TryRead(record, out _));
    }

    [Fact]
    public void TryRead_TheSignalRClientsBatch_Scanned()
    {
        Assert.NotNull(MotionReadPaths.ReadByScan(MotionBatchCodec.Encode(MotionBatchShapes.Batch)));
    }

    [Fact]
    public void TryRead_BatchOfTenSamples_AllocatesTheBatchItsIdsAndSamplesOnly()
    {
        var record = MotionBatchCodec.Encode(MotionBatchShapes.Batch);
        var (gameId, playerId) = (MotionBatchShapes.Batch.GameId.Length, MotionBatchShapes.Batch.PlayerId.Length);

        // Each measured twice, the second time counted: the first call of a lambda may allocate while it is compiled.
        var parts = Allocated.ByWarm(() =>
        {
            var samples = new MotionSample[10];
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] = new MotionSample { T = i };
            }

            _ = new MotionBatch { GameId = new string('g', gameId), PlayerId = new string('p', playerId), Seq = 7, Samples = samples };
        });
        var read = Allocated.ByWarm(() => Assert.True(MotionRecordReader.TryRead(record, out _)));
        var withReader = Allocated.ByWarm(() => Assert.True(MotionRecordReader.TryReadWithReader(record, out _)));

        Assert.Equal(parts, read);
        Assert.True(withReader >= read, $"reader path {withReader} B, scan {read} B");
    }

    private static byte[] Write(Action<Writer> write)
    {
        var writer = new Writer();
        write(writer);
        return writer.Bytes;
    }

    /// <summary>MessagePackWriter is a ref struct; the theory data writes through this.</summary>
    private sealed class Writer
    {
        private readonly List<byte> _bytes = [];

        public byte[] Bytes => [.. _bytes];

        public void WriteMapHeader(int count) => Add((ref MessagePackWriter w) => w.WriteMapHeader(count));

        public void WriteArrayHeader(int count) => Add((ref MessagePackWriter w) => w.WriteArrayHeader(count));

        public void WriteNil() => Add((ref MessagePackWriter w) => w.WriteNil());

        public void Write(object value) => Add((ref MessagePackWriter w) =>
        {
            switch (value)
            {
                case string s: w.Write(s); break;
                case int i: w.Write(i); break;
                case float f: w.Write(f); break;
                case bool b: w.Write(b); break;
                default: throw new ArgumentException($"Cannot write {value.GetType()}");
            }
        });

        private void Add(WriteAction action)
        {
            var buffer = new ArrayBufferWriter<byte>();
            var writer = new MessagePackWriter(buffer);
            action(ref writer);
            writer.Flush();
            _bytes.AddRange(buffer.WrittenSpan);
        }

        private delegate void WriteAction(ref MessagePackWriter writer);
    }
}
