using System.Text.Json;
using Game.Server.Hosting;
using Game.Server.Ingest;
using Game.Server.Ingest.Kinesis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Game.Tests.Ingest.Kinesis;

/// <summary>
/// The resource a Kinesis request is authorized on (issue #18.6), read from the members the operations read: so
/// the check and the operation agree on the stream, including when only an iterator or a token names it.
/// </summary>
public sealed class KinesisResourceArnTests : IAsyncLifetime
{
    private const string Motion = "arn:aws:kinesis:eu-west-1:000000000000:stream/motion";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "game-kinesis-arn-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly IngestOptions _options = new() { ShardCount = 2 };
    private IngestStream _stream = null!;
    private KinesisOperations _operations = null!;

    public Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Game:DataDirectory"] = _directory }).Build();
        _stream = new IngestStream(Options.Create(_options), new DataDirectory(configuration), TimeProvider.System, NullLogger<IngestStream>.Instance);
        _operations = new KinesisOperations(_stream, Options.Create(_options), TimeProvider.System);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stream.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("""{"StreamName":"motion","Records":[]}""", Motion)]
    [InlineData("""{"StreamARN":"arn:aws:kinesis:eu-west-1:000000000000:stream/other","StreamName":"motion"}""", "arn:aws:kinesis:eu-west-1:000000000000:stream/other")]
    [InlineData("""{"ConsumerARN":"arn:aws:kinesis:eu-west-1:000000000000:stream/motion/consumer/c1:1","StreamARN":"x"}""", "arn:aws:kinesis:eu-west-1:000000000000:stream/motion/consumer/c1:1")]
    [InlineData("""{"ExclusiveStartStreamName":"a"}""", "*")]
    [InlineData("""{"ShardIterator":"bm90IGFuIGl0ZXJhdG9y"}""", "*")]
    [InlineData("""{"NextToken":"bm90IGEgdG9rZW4="}""", "*")]
    [InlineData("""[]""", "*")]
    public void ResourceArn_Members_NameTheResource(string body, string expected)
    {
        using var document = JsonDocument.Parse(body);

        Assert.Equal(expected, _operations.ResourceArn(document.RootElement, "eu-west-1"));
    }

    [Fact]
    public async Task ResourceArn_IteratorOnly_IsTheStreamTheIteratorReads()
    {
        var iterator = await InvokeAsync("GetShardIterator", """{"StreamName":"motion","ShardId":"shardId-000000000001","ShardIteratorType":"LATEST"}""");

        using var request = JsonDocument.Parse(JsonSerializer.Serialize(new { ShardIterator = iterator.GetProperty("ShardIterator").GetString() }));
        Assert.Equal(Motion, _operations.ResourceArn(request.RootElement, "eu-west-1"));
    }

    [Fact]
    public async Task ResourceArn_ListShardsNextTokenOnly_IsTheStreamBeingListed()
    {
        var page = await InvokeAsync("ListShards", """{"StreamName":"motion","MaxResults":1}""");

        using var request = JsonDocument.Parse(JsonSerializer.Serialize(new { NextToken = page.GetProperty("NextToken").GetString() }));
        Assert.Equal(Motion, _operations.ResourceArn(request.RootElement, "eu-west-1"));
    }

    [Fact]
    public void ResourceArn_StreamNameNotAString_IsTheOperationsSerializationError()
    {
        using var document = JsonDocument.Parse("""{"StreamName":7}""");

        Assert.Equal("SerializationException", Assert.Throws<KinesisException>(() => _operations.ResourceArn(document.RootElement, "eu-west-1")).ErrorType);
    }

    private async Task<JsonElement> InvokeAsync(string operation, string body)
    {
        using var document = JsonDocument.Parse(body);
        return JsonDocument.Parse(await _operations.InvokeAsync(operation, document.RootElement, "eu-west-1")).RootElement;
    }
}
