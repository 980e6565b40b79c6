using Game.Functions.Contracts;
using Xunit.Abstractions;

namespace Game.Tests.Fuzz;

/// <summary>The motion-batch decoder (JSON or MessagePack): it answers false for what is not a batch, and never throws.</summary>
public sealed class MotionBatchFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public async Task MotionBatches_Mutated_DecodeOrRefuseWithoutThrowing()
    {
        var batch = new MotionBatch
        {
            GameId = "ABCDE",
            PlayerId = "p0001",
            Seq = 7,
            Samples = [new MotionSample { T = 0, X = 1.5, Y = -2, Z = 9.81 }, new MotionSample { T = 10, X = 0, Y = 0, Z = 0 }],
        };
        var seeds = Fuzzer.LoadCorpus("motion-batch")
            .Append(("messagepack", MotionBatchCodec.Encode(batch)))
            .Append(("json", MotionBatchCodec.EncodeJson(batch)))
            .ToList();
        var fuzzer = new Fuzzer("motion-batch", [
            .. Fuzzer.Tokens("\"\\ud800\"", "1e400", "-1e400", "9223372036854775808", "null", "[]", "{}", "\"samples\":", "\"t\":", "\"seq\":"),
            [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], // NaN (float64)
            [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // uint64 max
            [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0], // int64 min
            [0xdd, 0x7f, 0xff, 0xff, 0xff], // array32 of 2^31-1 items
            [0xdf, 0x7f, 0xff, 0xff, 0xff], // map32 of 2^31-1 entries
            [0xdb, 0x7f, 0xff, 0xff, 0xff], // str32 of 2^31-1 bytes
            [0xc0], [0xc1], [0xd4, 0x01, 0x00], [0x90], [0x80], [0xa0],
        ]);

        var ran = await fuzzer.RunAsync(seeds, (_, input) =>
        {
            if (MotionBatchCodec.TryDecode(input, out var decoded))
            {
                Assert.NotNull(decoded.Samples);
            }

            return Task.CompletedTask;
        });

        output.WriteLine($"{ran} inputs in {Fuzzer.Budget.TotalSeconds} s");
        Assert.True(ran > 0);
    }
}
