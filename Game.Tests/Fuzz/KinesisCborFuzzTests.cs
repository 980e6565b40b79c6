using Game.Server.Ingest.Kinesis;
using Xunit.Abstractions;

namespace Game.Tests.Fuzz;

/// <summary>
/// The Kinesis CBOR request path: the CBOR-to-JSON translation (its JSON must always parse), then the operation.
/// Seeds are the JSON corpus translated to CBOR, plus the hand-made binary ones in <c>corpus/kinesis-cbor</c>.
/// </summary>
public sealed class KinesisCborFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly FuzzStream _stream = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stream.DisposeAsync().AsTask();

    [Fact]
    public async Task KinesisCborRequests_Mutated_OnlyDocumentedErrors()
    {
        var seeds = Fuzzer.LoadCorpus("kinesis-json")
            .Select(seed => (seed.Name, Bytes: ToCbor(seed.Bytes)))
            .Where(seed => seed.Bytes is not null)
            .Select(seed => (seed.Name, seed.Bytes!))
            .Concat(Fuzzer.LoadCorpus("kinesis-cbor"))
            .ToList();
        var fuzzer = new Fuzzer("kinesis-cbor", [
            [0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], // NaN (double)
            [0xf9, 0x7c, 0x00], // +Infinity (half)
            [0xfa, 0xff, 0x80, 0, 0], // -Infinity (single)
            [0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // 2^64-1
            [0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // -2^64
            [0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0], // 2^63
            [0xc1], // tag 1
            [0xc1, 0xfb, 0xc3, 0x0c, 0x6b, 0xf5, 0x26, 0x34, 0, 0], // tag 1, -1e15
            [0x62, 0xed, 0xa0], // text string with a surrogate's UTF-8 bytes
            [0x5f], [0x7f], [0x9f], [0xbf], [0xff], // indefinite lengths and break
            [0xf7], [0xf6], [0xf5], [0xe0], // undefined, null, true, simple 0
            [0xa0], [0x80], [0x40], [0x60],
        ]);

        var ran = await fuzzer.RunAsync(seeds, (seed, input) => _stream.RunCborAsync(KinesisJsonFuzzTests.Operation(seed), input));

        output.WriteLine($"{ran} inputs in {Fuzzer.Budget.TotalSeconds} s");
        Assert.True(ran > 0);
    }

    /// <summary>A JSON seed as CBOR; null for one CBOR cannot carry (a lone surrogate is no CBOR text).</summary>
    private static byte[]? ToCbor(byte[] json)
    {
        try
        {
            return KinesisCbor.FromJson(json);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
