using Game.Functions.Contracts;
using Game.Server.Realtime;
using Game.Tests.Fuzz;
using Game.Tests.Infrastructure;
using MessagePack;

namespace Game.Tests.Realtime;

/// <summary>
/// The hub binds a batch by hand from the payload's span when it can (<see cref="PhoneBatchFormatter.TryScan"/>) and
/// through <c>MessagePackReader</c> otherwise: whatever the batch and however the pipe cut it into segments, the
/// binding answers exactly as the reader path alone does (the same ids, seq, count and record bytes, the reader left at
/// the same place, or the same exception).
/// </summary>
public sealed class PhoneBatchScanTests
{
    public static TheoryData<string, bool, byte[]> Shapes()
    {
        var data = new TheoryData<string, bool, byte[]>();
        foreach (var (name, usual, bytes) in MotionBatchShapes.All())
        {
            data.Add(name, usual, bytes);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Bind_AnyShape_AnswersAsTheReaderPath(string shape, bool usual, byte[] argument)
    {
        var expected = MotionReadPaths.BindWithReader(argument);

        var bound = MotionReadPaths.Bind(argument);
        var scanned = MotionReadPaths.BindByScan(argument);

        Assert.Equal(expected, bound);
        Assert.True(scanned is null || scanned == expected, shape);
        // The shapes phones and browsers send are scanned (else there is no gain); the rest is the reader's to decide.
        Assert.True(!usual || scanned is not null, shape);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Bind_AnyShapeCutIntoSegments_AnswersAsTheReaderPath(string shape, bool usual, byte[] argument)
    {
        _ = usual;
        byte[] arguments = [0x91, .. argument];
        for (var cut = 0; cut <= arguments.Length; cut++)
        {
            var segmented = MotionReadPaths.Segmented(arguments, cut);

            Assert.True(MotionReadPaths.BindWithReader(segmented) == MotionReadPaths.Bind(segmented), $"{shape}, cut at {cut}");
        }
    }

    [Fact]
    public void Bind_BatchInTheSecondSegmentOrBeforeACut_ScannedFromThatSegment()
    {
        // A batch that starts a segment, or ends before the segment does, is one span: scanned, not copied out of a sequence.
        var argument = MotionBatchCodec.Encode(MotionBatchShapes.Batch);
        byte[] arguments = [0x91, .. argument, 0x91, 0xc0];
        var cuts = new[] { MotionReadPaths.Segmented(arguments, 1), MotionReadPaths.Segmented(arguments, 1 + argument.Length) };

        foreach (var sequence in cuts)
        {
            var reader = new MessagePackReader(sequence);
            reader.ReadArrayHeader();

            Assert.True(PhoneBatchFormatter.TryScan(ref reader, out var batch));
            Assert.Equal(argument, batch!.Record);
            Assert.Equal(1 + argument.Length, reader.Consumed);
        }
    }

    [Fact]
    public void Bind_BatchAcrossTwoSegments_LeftToTheReaderPath()
    {
        var argument = MotionBatchCodec.Encode(MotionBatchShapes.Batch);
        var reader = new MessagePackReader(MotionReadPaths.Segmented([0x91, .. argument], 100));
        reader.ReadArrayHeader();

        Assert.False(PhoneBatchFormatter.TryScan(ref reader, out _));
        Assert.Equal(1, reader.Consumed);
        Assert.Equal(argument, PhoneBatchFormatter.Instance.Deserialize(ref reader, MotionReadPaths.ServerOptions)!.Record);
    }

    [Fact]
    public void Bind_BatchOfTenSamples_ScanAllocatesTheRecordTheIdsAndTheBatchOnly()
    {
        var argument = MotionBatchCodec.Encode(MotionBatchShapes.Batch);
        var batch = MotionBatchShapes.Batch;

        // Each measured twice, the second time counted: the first call of a lambda may allocate while it is compiled.
        var parts = Allocated.ByWarm(() => _ = new PhoneBatch(new string('g', batch.GameId.Length), new string('p', batch.PlayerId.Length), 7, 10, new byte[argument.Length]));
        var scan = Allocated.ByWarm(() =>
        {
            var reader = new MessagePackReader(argument);
            Assert.True(PhoneBatchFormatter.TryScan(ref reader, out _));
        });

        Assert.Equal(parts, scan);
    }
}
