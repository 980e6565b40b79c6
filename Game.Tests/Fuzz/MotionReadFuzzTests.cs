using Xunit.Abstractions;

namespace Game.Tests.Fuzz;

/// <summary>
/// The hand-written scan of phone batches against the <c>MessagePackReader</c> paths it sits in front of: for random
/// batches in every encoding, and for mutants of them and of the named shapes, the hub's binding and the score
/// function's reading answer exactly as their reader paths alone do (and the score function as the codec).
/// </summary>
public sealed class MotionReadFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MotionBatches_Generated_ScannedAndAnsweredAsByTheReader()
    {
        var generator = new MotionBatchGenerator(new Random(19));
        var readByScan = 0;
        for (var i = 0; i < 2_000; i++)
        {
            var batch = generator.Next();
            var name = $"generated batch {i}: {Convert.ToHexString(batch)}";

            var bound = MotionReadPaths.BindByScan(batch);
            var read = MotionReadPaths.Read(batch);

            // Every batch in the usual shape, however encoded, is scanned by the hub: none is left to the slow path.
            Assert.True(bound is not null, name);
            Assert.True(bound == MotionReadPaths.BindWithReader(batch), name);
            Assert.True(read == MotionReadPaths.ReadWithReader(batch), name);
            Assert.True(read == MotionReadPaths.Decode(batch), name);
            readByScan += MotionReadPaths.ReadByScan(batch) is null ? 0 : 1;
        }

        // The score function leaves to the codec only batches without both ids (about one in five here).
        output.WriteLine($"{readByScan} of 2000 read by the scan");
        Assert.InRange(readByScan, 1_000, 2_000);
    }

    [Fact]
    public async Task MotionBatches_Mutated_AnsweredAsByTheReader()
    {
        var generator = new MotionBatchGenerator(new Random(7));
        var seeds = MotionBatchShapes.All().Select(shape => (shape.Name, shape.Bytes))
            .Concat(Fuzzer.LoadCorpus("motion-batch"))
            .Concat(Enumerable.Range(0, 20).Select(i => ($"generated {i}", generator.Next())))
            .ToList();
        var fuzzer = new Fuzzer("motion-read", [
            [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], // NaN (float64)
            [0xca, 0x7f, 0xc0, 0, 0], // NaN (float32)
            [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // uint64 max
            [0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0], // uint64 2^63
            [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0], // int64 min
            [0xdd, 0x7f, 0xff, 0xff, 0xff], // array32 of 2^31-1 items
            [0xdd, 0xff, 0xff, 0xff, 0xff], // array32 of 2^32-1 items (negative as an int)
            [0xdf, 0x80, 0, 0, 0], // map32 of 2^31 entries (negative as an int)
            [0xdb, 0x7f, 0xff, 0xff, 0xff], // str32 of 2^31-1 bytes
            [0xdc, 0, 2], [0xde, 0, 4], [0xd9, 1], [0xda, 0, 1], // array16, map16, str8, str16 headers
            [0xa1, (byte)'t'], [0xa1, (byte)'w'], [0xa3, (byte)'s', (byte)'e', (byte)'q'], [0xa7, .. "samples"u8],
            [0xc0], [0xc1], [0xc2], [0xd4, 0x01, 0x00], [0x90], [0x80], [0xa0], [0xff, 0xe0], [0xed, 0xa0, 0x80],
        ]);

        var random = new Random(3);
        var ran = await fuzzer.RunAsync(seeds, (_, input) =>
        {
            Assert.Equal(MotionReadPaths.BindWithReader(input), MotionReadPaths.Bind(input));
            var read = MotionReadPaths.Read(input);
            Assert.Equal(MotionReadPaths.ReadWithReader(input), read);
            Assert.Equal(MotionReadPaths.Decode(input), read);

            // As a pipe may cut it: the arguments array's header and the batch, in two segments.
            var segmented = MotionReadPaths.Segmented([0x91, .. input], random.Next(input.Length + 2));
            Assert.Equal(MotionReadPaths.BindWithReader(segmented), MotionReadPaths.Bind(segmented));
            return Task.CompletedTask;
        });

        output.WriteLine($"{ran} inputs in {Fuzzer.Budget.TotalSeconds} s");
        Assert.True(ran > seeds.Count);
    }
}
