using System.Text;
using System.Text.Json;
using Game.Functions.Contracts;
using Game.Server.Auth;
using Game.Server.EventSources;
using Game.Server.Hosting;
using Game.Server.Ingest;
using Game.Server.Ingest.Kinesis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Game.Tests.Fuzz;

/// <summary>
/// The Kinesis JSON request path, from bytes to an answer: the JSON parser, then the operation named by the seed's
/// file name (<c>PutRecords-1.json</c> → PutRecords) over a real stream. Documented: a <see cref="JsonException"/>
/// from parsing (the endpoint answers it as SerializationException) and a 400 <see cref="KinesisException"/>.
/// </summary>
public sealed class KinesisJsonFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly FuzzStream _stream = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stream.DisposeAsync().AsTask();

    [Fact]
    public async Task KinesisJsonRequests_Mutated_OnlyDocumentedErrors()
    {
        var fuzzer = new Fuzzer("kinesis-json", Fuzzer.Tokens(
            "\"\\ud800\"", "\"\\udfff\"", "-1e15", "1e400", "-0", "2147483648", "9223372036854775808", "18446744073709551616",
            "null", "true", "[]", "{}", "\"\"", "\"shardId-2147483647\"", "\"shardId-99999999999\"", "\"AT_TIMESTAMP\"",
            "\"AFTER_SEQUENCE_NUMBER\"", "\"AT_SEQUENCE_NUMBER\"", "\"340282366920938463463374607431768211456\"", "\"=\"", "\"AAAA\"",
            "\"Timestamp\":", "\"ExplicitHashKey\":", "\"NextToken\":", "\"StreamARN\":", "\"Limit\":", "\"2026-12-01T00:00:00Z\""));

        var ran = await fuzzer.RunAsync(Fuzzer.LoadCorpus("kinesis-json"), (seed, input) => _stream.RunJsonAsync(Operation(seed), input));

        output.WriteLine($"{ran} inputs in {Fuzzer.Budget.TotalSeconds} s");
        Assert.True(ran > 0);
    }

    internal static string Operation(string seed) => seed.Split('-')[0];
}

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

/// <summary>
/// The SigV4 verifier: a seed is the Authorization, X-Amz-Date and x-amz-content-sha256 values, one per line. It
/// never throws, and its refusal never repeats what the Authorization value holds (it may hold credentials).
/// </summary>
public sealed class SigV4FuzzTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SigV4Headers_Mutated_NeverThrowAndNeverEchoTheHeader()
    {
        var verifier = new SigV4Verifier(key => key == "AKIDGAMELOCAL" ? "game-local-secret" : null, TimeProvider.System) { Service = "kinesis" };
        var today = DateTime.UtcNow.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var fuzzer = new Fuzzer("sigv4", Fuzzer.Tokens(
            "AWS4-HMAC-SHA256 ", "Credential=", "SignedHeaders=", "Signature=", ", ", "=", "/", ";", "aws4_request", "host",
            "AKIDGAMELOCAL", today, "us-east-1", "kinesis", "\n", "T000000Z", "99999999T999999Z", "\u0000", "\u00e9", "\ud83d\ude00"));

        var ran = await fuzzer.RunAsync(Fuzzer.LoadCorpus("sigv4").Select(seed => (seed.Name, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(seed.Bytes).Replace("{today}", today, StringComparison.Ordinal)))).ToList(), (_, input) =>
        {
            var lines = Encoding.UTF8.GetString(input).Split('\n');
            var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase) { ["host"] = ["127.0.0.1:5000"] };
            if (lines.Length > 0)
            {
                headers["Authorization"] = [lines[0]];
            }

            if (lines.Length > 1)
            {
                headers["X-Amz-Date"] = [lines[1]];
            }

            if (lines.Length > 2)
            {
                headers["x-amz-content-sha256"] = [lines[2]];
            }

            var result = verifier.Verify(new SigV4Request("POST", "/", "", headers, "{}"u8.ToArray()));
            // The seeds carry a credential-looking "secret" in the header; whatever a mutant keeps of it stays unsaid.
            if (!result.Succeeded && lines[0].Contains("secret", StringComparison.Ordinal))
            {
                Assert.DoesNotContain("secret", result.ErrorMessage);
            }

            return Task.CompletedTask;
        });

        output.WriteLine($"{ran} inputs in {Fuzzer.Budget.TotalSeconds} s");
        Assert.True(ran > 0);
    }
}

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

/// <summary>
/// The event-filter pattern parser: a pattern parses, or <see cref="FormatException"/> says why; a pattern that
/// parsed matches records without throwing.
/// </summary>
public sealed class FilterPatternFuzzTests(ITestOutputHelper output)
{
    /// <summary>Records of every JSON kind in the places patterns look, for the parsed patterns to match against.</summary>
    private static readonly JsonElement[] Records =
    [
        .. new[]
        {
            """{"partitionKey":"p1","sequenceNumber":"1","data":{"seq":5,"x":"abc","t":[1,"a",null,true],"n":{"a":{"b":1.5}}}}""",
            """{"partitionKey":"","data":"text"}""",
            """{"data":[{"seq":-1e300},{"x":false}],"prefix":"q"}""",
        }.Select(json => JsonDocument.Parse(json).RootElement.Clone()),
    ];

    [Fact]
    public async Task FilterPatterns_Mutated_ParseOrRefuseWithFormatException()
    {
        var fuzzer = new Fuzzer("filter-pattern", Fuzzer.Tokens(
            "{\"prefix\":", "{\"suffix\":", "{\"anything-but\":", "{\"numeric\":", "{\"exists\":", "{\"equals-ignore-case\":", "[\">\",", "\"<=\"",
            "1e400", "-1e400", "\"\\ud800\"", "null", "[]", "{}", "true", "0", "\"\"", "\"data\":"));

        var ran = await fuzzer.RunAsync(Fuzzer.LoadCorpus("filter-pattern"), (_, input) =>
        {
            FilterPattern pattern;
            try
            {
                pattern = FilterPattern.Parse(Encoding.UTF8.GetString(input));
            }
            catch (FormatException)
            {
                return Task.CompletedTask;
            }

            foreach (var record in Records)
            {
                pattern.Matches(record);
            }

            return Task.CompletedTask;
        });

        output.WriteLine($"{ran} inputs in {Fuzzer.Budget.TotalSeconds} s");
        Assert.True(ran > 0);
    }
}

/// <summary>A real stream in a temporary directory for the Kinesis targets, and the two request paths over it.</summary>
internal sealed class FuzzStream : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "game-fuzz-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly IngestStream _stream;
    private readonly KinesisOperations _operations;

    public FuzzStream()
    {
        var options = Options.Create(new IngestOptions { ShardCount = 4, MaxRecordBytes = 1024, MaxRequestBytes = 64 * 1024 });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Game:DataDirectory"] = _directory }).Build();
        _stream = new IngestStream(options, new DataDirectory(configuration), TimeProvider.System, NullLogger<IngestStream>.Instance);
        _operations = new KinesisOperations(_stream, options, TimeProvider.System);
    }

    public async Task RunJsonAsync(string operation, byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return;
        }

        using (document)
        {
            await InvokeAsync(operation, document.RootElement);
        }
    }

    public async Task RunCborAsync(string operation, byte[] body)
    {
        byte[] json;
        try
        {
            json = KinesisCbor.ToJson(body);
        }
        catch (KinesisException ex) when (ex.ErrorType == "SerializationException")
        {
            return;
        }

        // What the translation makes must be JSON the operations can read: a parse failure here is a bug.
        using var document = JsonDocument.Parse(json);
        await InvokeAsync(operation, document.RootElement);
    }

    /// <summary>One operation on a JSON body, its errors thrown as they are (for the findings' regression tests).</summary>
    public async Task<byte[]> InvokeDirectAsync(string operation, string body)
    {
        using var document = JsonDocument.Parse(body);
        return await _operations.InvokeAsync(operation, document.RootElement, "us-east-1");
    }

    private async Task InvokeAsync(string operation, JsonElement root)
    {
        try
        {
            // An answer must translate to CBOR too: the endpoint answers CBOR requests in CBOR.
            var answer = await _operations.InvokeAsync(operation, root, "us-east-1");
            KinesisCbor.FromJson(answer);
        }
        catch (KinesisException ex) when (ex.StatusCode == 400)
        {
            Assert.NotEqual("InternalFailure", ex.ErrorType);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
