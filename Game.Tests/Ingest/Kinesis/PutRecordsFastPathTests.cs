using System.Formats.Cbor;
using System.Text;
using System.Text.Json;
using Game.Server.Hosting;
using Game.Server.Ingest;
using Game.Server.Ingest.Kinesis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Game.Tests.Ingest.Kinesis;

/// <summary>
/// The endpoint tries <see cref="KinesisOperations.TryPutRecordsAsync"/> first and falls back to the general path:
/// for every request, plain or not, that must answer exactly what the general path alone answers (the same body, or
/// the same error) and leave the stream holding exactly the same records.
/// </summary>
public sealed class PutRecordsFastPathTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "game-kinesis-fast-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly IngestOptions _options = new() { ShardCount = 2, MaxRecordBytes = 40, MaxRequestBytes = 100 };
    private (IngestStream Stream, KinesisOperations Operations) _general;
    private (IngestStream Stream, KinesisOperations Operations) _endpoint;

    public static TheoryData<string> Requests { get; } =
    [
        """{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a"},{"Data":"AAEC/w==","PartitionKey":"bé"},{"Data":"","PartitionKey":"a"}]}""",
        """{"Records":[{"PartitionKey":"p-17","Data":"eHl6"}],"StreamName":"motion"}""",
        """{"StreamName":"other","Records":[{"Data":"eA==","PartitionKey":"a"}]}""",
        """{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a","ExplicitHashKey":"1"},{"Data":"eQ==","PartitionKey":"b"}]}""",
        """{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a","ExplicitHashKey":"01"}]}""",
        """{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/motion","Records":[{"Data":"eA==","PartitionKey":"a"}]}""",
        """{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a"}],"Extra":1}""",
        """{"StreamName":"motion","StreamName":"other","Records":[{"Data":"eA==","PartitionKey":"a"}]}""",
        """{"StreamName":"motion","Records":[{"Data":"eA==","Data":"eQ==","PartitionKey":"a"}]}""",
        """{"StreamName":"motion","Records":[{"Data":null,"PartitionKey":"a"}]}""",
        """{"StreamName":"motion","Records":[{"PartitionKey":"a"}]}""",
        """{"StreamName":"motion","Records":[]}""",
        """{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":""}]}""",
        """{"StreamName":"motion","Records":[{"Data":"eA","PartitionKey":"a"}]}""",
        """{"StreamName":"motion","Records":[{"Data":"e A==","PartitionKey":"a"}]}""",
        """{"StreamName":"motion","Records":[{"Data":"eA\/=","PartitionKey":"a"}]}""",
        """{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a\udc00b"}]}""",
        """{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"\u0061"}]}""",
        """{"StreamName":"mo tion","Records":[{"Data":"eA==","PartitionKey":"a"}]}""",
        """{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a"}]} x""",
        """{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":7}]}""",
        "{\"StreamName\":\"motion\",\"Records\":[{\"Data\":\"" + Convert.ToBase64String(new byte[41]) + "\",\"PartitionKey\":\"a\"}]}",
        "{\"StreamName\":\"motion\",\"Records\":[" + string.Join(',', Enumerable.Repeat("{\"Data\":\"\",\"PartitionKey\":\"k\"}", 101)) + "]}",
        "{\"StreamName\":\"motion\",\"Records\":[" + string.Join(',', Enumerable.Repeat("{\"Data\":\"\",\"PartitionKey\":\"k\"}", 501)) + "]}",
        "{\"StreamName\":\"motion\",\"Records\":[" + string.Join(',', Enumerable.Range(0, 30).Select(i => $"{{\"Data\":\"eA==\",\"PartitionKey\":\"{i}\"}}")) + "]}",
    ];

    /// <summary>CBOR requests by name (a writer per case), as the Java SDK would send them and as it never would.</summary>
    private static readonly Dictionary<string, Action<CborWriter>> CborRequests = new()
    {
        ["plain"] = w => Request(w, "motion", w => Record(w, "a", [(byte)'x']), w => Record(w, "bé", [0, 1, 2, 255])),
        ["indefinite maps"] = w =>
        {
            w.WriteStartMap(null);
            w.WriteTextString("StreamName");
            w.WriteTextString("motion");
            w.WriteTextString("Records");
            w.WriteStartArray(1);
            w.WriteStartMap(null);
            w.WriteTextString("PartitionKey");
            w.WriteTextString("k");
            w.WriteTextString("Data");
            w.WriteByteString(new byte[] { 1, 2 });
            w.WriteEndMap();
            w.WriteEndArray();
            w.WriteEndMap();
        },
        ["data as base64 text"] = w => Request(w, "motion", w => Members(w, M("Data", w => w.WriteTextString("eA==")), M("PartitionKey", w => w.WriteTextString("a")))),
        ["tagged data"] = w => Request(w, "motion", w => Members(w, M("Data", w => { w.WriteTag(CborTag.Base64StringLaterEncoding); w.WriteByteString(new byte[] { 1 }); }), M("PartitionKey", w => w.WriteTextString("a")))),
        ["repeated key"] = w => Request(w, "motion", w => Members(w, M("Data", w => w.WriteByteString(new byte[] { 1 })), M("PartitionKey", w => w.WriteTextString("a")), M("PartitionKey", w => w.WriteTextString("b")))),
        ["null key"] = w => Request(w, "motion", w => Members(w, M("Data", w => w.WriteByteString(new byte[] { 1 })), M("PartitionKey", w => w.WriteNull()))),
        ["unknown stream"] = w => Request(w, "other", w => Record(w, "a", [1])),
        ["record too large"] = w => Request(w, "motion", w => Record(w, "a", new byte[41])),
        ["empty key"] = w => Request(w, "motion", w => Record(w, "", [1])),
        ["no records"] = w => Request(w, "motion"),
    };

    public static TheoryData<string> CborCases { get; } = [.. CborRequests.Keys];

    public Task InitializeAsync()
    {
        _general = Open("general");
        _endpoint = Open("endpoint");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _general.Stream.DisposeAsync();
        await _endpoint.Stream.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task PutRecords_FastPathThenGeneral_AnswersAndStoresAsTheGeneralPathAlone(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);

        var expected = await GeneralAsync(_general.Operations, body);
        var actual = await Fast(_endpoint.Operations, body) is { } fast ? Answer.Of(fast) : await GeneralAsync(_endpoint.Operations, body);

        Assert.Equal(expected, actual);
        Assert.Equal(Stored(_general.Stream), Stored(_endpoint.Stream));
    }

    [Theory]
    [MemberData(nameof(CborCases))]
    public async Task PutRecords_CborFastPathThenGeneral_AnswersAndStoresAsTheTranslationAlone(string name)
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        CborRequests[name](writer);
        var body = writer.Encode();

        var expected = Cbor(await GeneralAsync(_general.Operations, KinesisCbor.ToJson(body)));
        var actual = await Fast(_endpoint.Operations, body, cbor: true) is { } fast
            ? new Answer("200", Convert.ToHexString(fast))
            : Cbor(await GeneralAsync(_endpoint.Operations, KinesisCbor.ToJson(body)));

        Assert.Equal(expected, actual);
        Assert.Equal(Stored(_general.Stream), Stored(_endpoint.Stream));
    }

    [Fact]
    public async Task TryPutRecordsAsync_PlainCborRequest_TakesItItself()
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        CborRequests["plain"](writer);

        Assert.NotNull(await Fast(_endpoint.Operations, writer.Encode(), cbor: true));
        Assert.Equal(["a:78", "bé:000102FF"], Stored(_endpoint.Stream).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TryPutRecordsAsync_PlainRequest_TakesItItself()
    {
        var answer = await Fast(_endpoint.Operations, """{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a"},{"Data":"eQ==","PartitionKey":"b"}]}"""u8.ToArray());

        Assert.NotNull(answer);
        Assert.Equal(["a:78", "b:79"], Stored(_endpoint.Stream).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TryPutRecordsAsync_KeyNotAllowedOnTheStream_RefusedAndNothingStored()
    {
        // The shortcut must ask the same question as the general path: a key that may not put on this stream
        // (a reader, or one scoped to another stream) is refused here too, with the ARN the check was asked about.
        string? askedAbout = null;
        var body = """{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a"}]}"""u8.ToArray();

        var refused = await Assert.ThrowsAsync<KinesisException>(() => _endpoint.Operations.TryPutRecordsAsync(
            body, cbor: false, "eu-west-1", arn => (askedAbout = arn) + " is not yours"));

        Assert.Equal("AccessDeniedException", refused.ErrorType);
        Assert.Equal("arn:aws:kinesis:eu-west-1:000000000000:stream/motion", askedAbout);
        Assert.Empty(Stored(_endpoint.Stream));
    }

    /// <summary>The fast path as the endpoint calls it for a key that may put on every stream.</summary>
    private static Task<byte[]?> Fast(KinesisOperations operations, byte[] body, bool cbor = false) =>
        operations.TryPutRecordsAsync(body, cbor, "us-east-1", _ => null);

    private (IngestStream, KinesisOperations) Open(string name)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Game:DataDirectory"] = Path.Combine(_directory, name) }).Build();
        var stream = new IngestStream(Options.Create(_options), new DataDirectory(configuration), TimeProvider.System, NullLogger<IngestStream>.Instance);
        return (stream, new KinesisOperations(stream, Options.Create(_options), TimeProvider.System));
    }

    /// <summary>What KinesisApi does without the fast path: parse, then the operation; its answer or its error.</summary>
    private static async Task<Answer> GeneralAsync(KinesisOperations operations, byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return new Answer("SerializationException", "not valid JSON");
        }

        using (document)
        {
            try
            {
                return Answer.Of(await operations.InvokeAsync("PutRecords", document.RootElement, "us-east-1"));
            }
            catch (KinesisException ex)
            {
                return new Answer(ex.ErrorType, ex.Message);
            }
        }
    }

    /// <summary>A successful JSON answer as the endpoint translates it to CBOR (hex, to compare); errors as they are.</summary>
    private static Answer Cbor(Answer answer) =>
        answer.Kind == "200" ? answer with { Body = Convert.ToHexString(KinesisCbor.FromJson(Encoding.UTF8.GetBytes(answer.Body))) } : answer;

    private static void Request(CborWriter writer, string streamName, params Action<CborWriter>[] records)
    {
        writer.WriteStartMap(2);
        writer.WriteTextString("StreamName");
        writer.WriteTextString(streamName);
        writer.WriteTextString("Records");
        writer.WriteStartArray(records.Length);
        foreach (var record in records)
        {
            record(writer);
        }

        writer.WriteEndArray();
        writer.WriteEndMap();
    }

    private static void Record(CborWriter writer, string partitionKey, byte[] data) =>
        Members(writer, M("Data", w => w.WriteByteString(data)), M("PartitionKey", w => w.WriteTextString(partitionKey)));

    private static (string Name, Action<CborWriter> Value) M(string name, Action<CborWriter> value) => (name, value);

    private static void Members(CborWriter writer, params (string Name, Action<CborWriter> Value)[] members)
    {
        writer.WriteStartMap(members.Length);
        foreach (var (name, value) in members)
        {
            writer.WriteTextString(name);
            value(writer);
        }

        writer.WriteEndMap();
    }

    /// <summary>Every record of the stream as "key:data in hex", shard by shard in order.</summary>
    private static List<string> Stored(IngestStream stream) =>
        Enumerable.Range(0, stream.Map.ShardCount)
            .SelectMany(shard => stream.Read(shard, 0, 1000))
            .Select(r => $"{r.PartitionKey}:{Convert.ToHexString(r.Data)}")
            .ToList();

    private sealed record Answer(string Kind, string Body)
    {
        public static Answer Of(byte[] response) => new("200", Encoding.UTF8.GetString(response));
    }
}
