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
/// Issue #13.8: malformed requests that answered 500 problem+json. Each must be a Kinesis client error; the
/// endpoint answers it in the request's own encoding (<see cref="Auth.SignedEndpointTests"/> checks that part).
/// </summary>
public sealed class KinesisMalformedRequestTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "game-kinesis-malformed-" + Guid.NewGuid().ToString("N")[..12]);
    private IngestStream _stream = null!;
    private KinesisOperations _operations = null!;

    public Task InitializeAsync()
    {
        var options = Options.Create(new IngestOptions { ShardCount = 2 });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Game:DataDirectory"] = _directory }).Build();
        _stream = new IngestStream(options, new DataDirectory(configuration), TimeProvider.System, NullLogger<IngestStream>.Instance);
        _operations = new KinesisOperations(_stream, options, TimeProvider.System);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stream.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task PutRecord_LoneSurrogatePartitionKey_IsSerializationException()
    {
        var error = await InvokeAsync("PutRecord", """{"StreamName":"motion","PartitionKey":"\ud800","Data":"AA=="}""");

        Assert.Equal("SerializationException", error.ErrorType);
        Assert.Equal("'PartitionKey' is not a valid string: it holds an unpaired UTF-16 surrogate.", error.Message);
    }

    [Fact]
    public async Task PutRecords_LoneSurrogatePartitionKey_IsSerializationException()
    {
        var error = await InvokeAsync("PutRecords", """{"StreamName":"motion","Records":[{"PartitionKey":"a\udc00b","Data":"AA=="}]}""");

        Assert.Equal("SerializationException", error.ErrorType);
        Assert.Equal(0, _stream.LatestPosition(0) + _stream.LatestPosition(1));
    }

    [Theory]
    [InlineData("-1e15")]
    [InlineData("-62135596801")]
    [InlineData("-1.7976931348623157e308")]
    public async Task GetShardIterator_AtTimestampBeforeYearOne_IsInvalidArgument(string timestamp)
    {
        var error = await InvokeAsync("GetShardIterator",
            $$"""{"StreamName":"motion","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":{{timestamp}}}""");

        Assert.Equal("InvalidArgumentException", error.ErrorType);
        Assert.StartsWith("The timestampInMillis parameter must be a time after the year 1", error.Message);
    }

    [Fact]
    public async Task GetShardIterator_AtTimestampFarInTheFuture_IsTheUsualInvalidArgument()
    {
        var error = await InvokeAsync("GetShardIterator",
            """{"StreamName":"motion","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1e300}""");

        Assert.Equal("InvalidArgumentException", error.ErrorType);
        Assert.StartsWith("The timestampInMillis parameter cannot be greater than the currentTimestampInMillis.", error.Message);
    }

    [Fact]
    public async Task ListShards_ExclusiveStartIsTheLargestShardId_ListsNothing()
    {
        using var answer = JsonDocument.Parse(await _operations.InvokeAsync("ListShards",
            JsonDocument.Parse("""{"StreamName":"motion","ExclusiveStartShardId":"shardId-2147483647"}""").RootElement, "us-east-1"));

        Assert.Equal(0, answer.RootElement.GetProperty("Shards").GetArrayLength());
        Assert.False(answer.RootElement.TryGetProperty("NextToken", out _));
    }

    [Fact]
    public void Cbor_NaNTimestamp_IsSerializationException()
    {
        var error = Assert.Throws<KinesisException>(() => KinesisCbor.ToJson(Map("Timestamp", w => { w.WriteTag(CborTag.UnixTimeSeconds); w.WriteDouble(double.NaN); })));

        Assert.Equal("SerializationException", error.ErrorType);
        Assert.StartsWith("CBOR numbers must be finite", error.Message);
    }

    [Theory]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Cbor_InfiniteNumber_IsSerializationException(double value)
    {
        var error = Assert.Throws<KinesisException>(() => KinesisCbor.ToJson(Map("Limit", w => w.WriteSingle((float)value))));

        Assert.Equal("SerializationException", error.ErrorType);
    }

    [Fact]
    public async Task Cbor_UnsignedIntegerAbove2To63_BecomesTheNumberAndTheOperationRefusesIt()
    {
        var json = KinesisCbor.ToJson(Map("Limit", w => w.WriteUInt64(ulong.MaxValue), ("ShardIterator", "AAAA")));
        Assert.Equal("""{"Limit":18446744073709551615,"ShardIterator":"AAAA"}""", Encoding.UTF8.GetString(json));

        var error = await InvokeAsync("GetRecords", Encoding.UTF8.GetString(json));

        Assert.Equal("SerializationException", error.ErrorType);
        Assert.Equal("'Limit' must be an integer.", error.Message);
    }

    [Fact]
    public void Cbor_NegativeIntegerBelowMinus2To63_BecomesTheNumber()
    {
        var json = KinesisCbor.ToJson(Map("MaxResults", w => w.WriteCborNegativeIntegerRepresentation(ulong.MaxValue)));

        Assert.Equal("""{"MaxResults":-18446744073709551616}""", Encoding.UTF8.GetString(json));
    }

    private static byte[] Map(string name, Action<CborWriter> writeValue, params (string Name, string Value)[] more)
    {
        var writer = new CborWriter();
        writer.WriteStartMap(1 + more.Length);
        writer.WriteTextString(name);
        writeValue(writer);
        foreach (var (key, value) in more)
        {
            writer.WriteTextString(key);
            writer.WriteTextString(value);
        }

        writer.WriteEndMap();
        return writer.Encode();
    }

    private async Task<KinesisException> InvokeAsync(string operation, string body)
    {
        using var document = JsonDocument.Parse(body);
        return await Assert.ThrowsAsync<KinesisException>(() => _operations.InvokeAsync(operation, document.RootElement, "us-east-1"));
    }
}
