using System.Text.Json;
using Game.Server.Ingest.Kinesis;
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
