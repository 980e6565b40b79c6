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
/// The operations in process, over a real stream with tight limits: what the SDK tests cannot reach through the
/// server's defaults (per-record failures, the request-size limit).
/// </summary>
public sealed class KinesisOperationsTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "game-kinesis-ops-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly IngestOptions _options = new() { ShardCount = 2, MaxPendingRecords = 1, MaxRequestBytes = 100, MaxRecordBytes = 40 };
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

    [Fact]
    public async Task PutRecords_StreamOverItsPendingLimit_ReportsEachRecordFailedAndWritesNone()
    {
        // Two records against a pending limit of one: the stream refuses both, and PutRecords answers per record.
        var answer = await InvokeAsync("PutRecords", """{"StreamName":"motion","Records":[{"PartitionKey":"a","Data":"eA=="},{"PartitionKey":"b","Data":"eQ=="}]}""");

        Assert.Equal(2, answer.GetProperty("FailedRecordCount").GetInt32());
        Assert.All(answer.GetProperty("Records").EnumerateArray(), record =>
        {
            Assert.Equal("ProvisionedThroughputExceededException", record.GetProperty("ErrorCode").GetString());
            Assert.StartsWith("Rate exceeded for shard shardId-", record.GetProperty("ErrorMessage").GetString());
            Assert.False(record.TryGetProperty("SequenceNumber", out _));
        });
        Assert.Equal(0, TotalLatestPosition());
    }

    [Fact]
    public async Task PutRecord_UnderThePendingLimit_IsWritten()
    {
        var answer = await InvokeAsync("PutRecord", """{"StreamName":"motion","PartitionKey":"a","Data":"eA=="}""");

        Assert.True(SequenceNumber.TryParse(answer.GetProperty("SequenceNumber").GetString(), out _, out var position));
        Assert.Equal(1, position);
        Assert.Equal(1, TotalLatestPosition());
    }

    [Fact]
    public async Task PutRecords_OverMaxRequestBytes_IsInvalidArgumentAndWritesNothing()
    {
        // Four records of 30 bytes and a 1-character key each: 124 bytes of data and keys, over the limit of 100.
        var record = $$"""{"PartitionKey":"k","Data":"{{Convert.ToBase64String(new byte[30])}}"}""";
        var error = await Assert.ThrowsAsync<KinesisException>(() =>
            InvokeAsync("PutRecords", $$"""{"StreamName":"motion","Records":[{{record}},{{record}},{{record}},{{record}}]}"""));

        Assert.Equal("InvalidArgumentException", error.ErrorType);
        Assert.Equal("Records size exceeds 100 bytes: the request holds 124 bytes of data and partition keys.", error.Message);
        Assert.Equal(0, TotalLatestPosition());
    }

    [Fact]
    public async Task PutRecord_OverMaxRecordBytes_IsValidationException()
    {
        var error = await Assert.ThrowsAsync<KinesisException>(() =>
            InvokeAsync("PutRecord", $$"""{"StreamName":"motion","PartitionKey":"k","Data":"{{Convert.ToBase64String(new byte[41])}}"}"""));

        Assert.Equal("ValidationException", error.ErrorType);
        Assert.Equal("1 validation error detected: Value '[41 bytes]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 40", error.Message);
    }

    [Fact]
    public async Task PutRecords_SeveralViolations_ReportsThemAllInKinesisWording()
    {
        var error = await Assert.ThrowsAsync<KinesisException>(() =>
            InvokeAsync("PutRecords", """{"StreamName":"motion","Records":[{"PartitionKey":"","Data":"eA=="},{"PartitionKey":"k","Data":"eA==","ExplicitHashKey":"01"}]}"""));

        Assert.Equal("ValidationException", error.ErrorType);
        Assert.Equal(
            "2 validation errors detected: Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1; "
            + "Value '01' at 'records.2.member.explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})",
            error.Message);
    }

    [Fact]
    public async Task GetShardIterator_UnknownStream_NamesStreamAndAccount()
    {
        var error = await Assert.ThrowsAsync<KinesisException>(() =>
            InvokeAsync("GetShardIterator", """{"StreamName":"other","ShardId":"shardId-000000000000","ShardIteratorType":"LATEST"}"""));

        Assert.Equal("ResourceNotFoundException", error.ErrorType);
        Assert.Equal("Stream other under account 000000000000 not found.", error.Message);
    }

    [Fact]
    public async Task ListShards_MaxResults_PagesWithNextToken()
    {
        var first = await InvokeAsync("ListShards", """{"StreamName":"motion","MaxResults":1}""");
        var token = first.GetProperty("NextToken").GetString();
        var second = await InvokeAsync("ListShards", $$"""{"NextToken":"{{token}}"}""");

        Assert.Equal("shardId-000000000000", Assert.Single(first.GetProperty("Shards").EnumerateArray()).GetProperty("ShardId").GetString());
        Assert.Equal("shardId-000000000001", Assert.Single(second.GetProperty("Shards").EnumerateArray()).GetProperty("ShardId").GetString());
        Assert.False(second.TryGetProperty("NextToken", out _));
    }

    private long TotalLatestPosition() => Enumerable.Range(0, _stream.Map.ShardCount).Sum(shard => _stream.LatestPosition(shard));

    private async Task<JsonElement> InvokeAsync(string operation, string json)
    {
        using var request = JsonDocument.Parse(json);
        var response = await _operations.InvokeAsync(operation, request.RootElement, "us-east-1");
        return JsonDocument.Parse(Encoding.UTF8.GetString(response)).RootElement.Clone();
    }
}
