using System.Net.Http.Headers;
using Game.Server.Ingest;
using Game.Server.Ingest.Kinesis;
using Game.Tests.Infrastructure;

namespace Game.Tests.Ingest.Kinesis;

/// <summary>One server for the baseline's tests: they read and write nothing that another of them checks.</summary>
public sealed class KinesisBaselineFixture : IAsyncLifetime
{
    public ServerProcess Server { get; } = new();

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// The do-nothing Kinesis endpoint (<see cref="KinesisApi.BaselinePath"/>) takes PutRecords as the real one does,
/// signature first, and changes nothing.
/// </summary>
public sealed class KinesisBaselineTests(KinesisBaselineFixture fixture) : IClassFixture<KinesisBaselineFixture>
{
    private readonly SignedKinesisRequests _baseline = new(fixture.Server.BaseUrl, KinesisSdkFixture.AccessKeyId, KinesisSdkFixture.SecretAccessKey, KinesisApi.BaselinePath);
    private readonly SignedKinesisRequests _kinesis = new(fixture.Server.BaseUrl, KinesisSdkFixture.AccessKeyId, KinesisSdkFixture.SecretAccessKey);

    [Fact]
    public async Task Baseline_SignedPutRecords_AnswersEveryRecordAndStoresNothing()
    {
        var (status, answer) = await _baseline.SendJsonAsync("PutRecords", new
        {
            StreamName = "motion",
            Records = new[] { new { Data = "eA==", PartitionKey = "a" }, new { Data = "eQ==", PartitionKey = "b" }, new { Data = "", PartitionKey = "c" } },
        });

        Assert.Equal(200, status);
        Assert.Equal(0, answer.RootElement.GetProperty("FailedRecordCount").GetInt32());
        Assert.Equal([1L, 2L, 3L], answer.RootElement.GetProperty("Records").EnumerateArray().Select(r =>
            SequenceNumber.TryParse(r.GetProperty("SequenceNumber").GetString(), out _, out var position) ? position : -1));
        Assert.Equal(0, await StoredRecordsAsync());
    }

    [Fact]
    public async Task Baseline_Unsigned_IsRefusedBeforeItsBody()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Server.BaseUrl + KinesisApi.BaselinePath)
        {
            Content = new StringContent("""{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a"}]}"""),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(KinesisApi.JsonContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", KinesisApi.TargetPrefix + "PutRecords");

        using var response = await http.SendAsync(request);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("MissingAuthenticationTokenException", response.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task Baseline_AnotherOperation_IsUnknownAndCreatesNothing()
    {
        var (status, answer) = await _baseline.SendJsonAsync("CreateStream", new { StreamName = "made-by-baseline", ShardCount = 1 });

        Assert.Equal(400, status);
        Assert.Equal("UnknownOperationException", answer.RootElement.GetProperty("__type").GetString());
        var (_, streams) = await _kinesis.SendJsonAsync("ListStreams", new { });
        Assert.DoesNotContain("made-by-baseline", streams.RootElement.GetProperty("StreamNames").EnumerateArray().Select(n => n.GetString()));
    }

    /// <summary>Records in the stream, every shard read from its start through the real API.</summary>
    private async Task<int> StoredRecordsAsync()
    {
        var count = 0;
        for (var shard = 0; shard < 4; shard++)
        {
            var (_, iterator) = await _kinesis.SendJsonAsync("GetShardIterator", new { StreamName = "motion", ShardId = ShardMap.ShardId(shard), ShardIteratorType = "TRIM_HORIZON" });
            var (_, records) = await _kinesis.SendJsonAsync("GetRecords", new { ShardIterator = iterator.RootElement.GetProperty("ShardIterator").GetString() });
            count += records.RootElement.GetProperty("Records").GetArrayLength();
        }

        return count;
    }
}
