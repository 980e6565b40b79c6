using System.Text.Json;
using Game.Tests.Infrastructure;

namespace Game.Tests.Auth;

/// <summary>
/// The real server with four key pairs besides the ingest pair (<see cref="Keys"/>), and
/// Game.Tests/node/permission-cases.js (AWS' @aws-sdk/client-kinesis and @aws-sdk/client-lambda) run once against
/// it: each key tries what it may and what it may not.
/// </summary>
public sealed class PermissionSdkFixture : IAsyncLifetime
{
    /// <summary>Name, access key id, secret, actions, resources: what the server is started with.</summary>
    public static readonly (string Name, string Id, string Secret, string[] Actions, string[] Resources)[] Keys =
    [
        ("producer", "AKIDPRODUCER", "producer-secret", ["kinesis:PutRecord", "kinesis:PutRecords"], []),
        ("admin", "AKIDADMIN", "admin-secret-1", ["*"], []),
        ("ranker", "AKIDRANKER", "ranker-secret", ["lambda:InvokeFunction", "lambda:GetFunction"], ["arn:aws:lambda:*:*:function:player-rank"]),
        ("reader", "AKIDREADER", "reader-secret",
            ["kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards", "kinesis:ListStreams"], ["arn:aws:kinesis:*:000000000000:stream/motion"]),
    ];

    private readonly ServerProcess _server = new(Settings());

    private JsonDocument _results = null!;

    public string Output => _server.Output;

    /// <summary>The <c>Auth:Keys</c> settings for <see cref="Keys"/>, as command-line settings.</summary>
    public static Dictionary<string, string> Settings()
    {
        var settings = new Dictionary<string, string>();
        foreach (var (name, id, secret, actions, resources) in Keys)
        {
            settings[$"Auth:Keys:{name}:AccessKeyId"] = id;
            settings[$"Auth:Keys:{name}:SecretAccessKey"] = secret;
            for (var i = 0; i < actions.Length; i++)
            {
                settings[$"Auth:Keys:{name}:Actions:{i}"] = actions[i];
            }

            for (var i = 0; i < resources.Length; i++)
            {
                settings[$"Auth:Keys:{name}:Resources:{i}"] = resources[i];
            }
        }

        return settings;
    }

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        var keys = JsonSerializer.Serialize(Keys.ToDictionary(k => k.Name, k => new { id = k.Id, secret = k.Secret }));
        _results = await NodeCases.RunAsync("permission-cases.js", ["--endpoint", _server.BaseUrl, "--keys", keys], TimeSpan.FromSeconds(120), () => _server.Output);
    }

    public async Task DisposeAsync()
    {
        _results?.Dispose();
        await _server.DisposeAsync();
    }

    public JsonElement Case(string name)
    {
        Assert.True(_results.RootElement.TryGetProperty(name, out var result), $"No result for case {name}:\n{_results.RootElement}");
        return result;
    }
}

/// <summary>
/// Issue #18.6's attack: a venue's producer key can put records but cannot read the stream, invoke <c>score</c>
/// or reconfigure anything; each refusal is the <c>AccessDeniedException</c> AWS answers, naming the user, the
/// action and the resource.
/// </summary>
public sealed class PermissionSdkTests(PermissionSdkFixture fixture) : IClassFixture<PermissionSdkFixture>
{
    private const string Motion = "arn:aws:kinesis:us-east-1:000000000000:stream/motion";
    private const string Score = "arn:aws:lambda:us-east-1:000000000000:function:score";
    private const string PlayerRank = "arn:aws:lambda:us-east-1:000000000000:function:player-rank";

    [Fact]
    public void ProducerKey_PutRecordAndPutRecords_AreWritten()
    {
        var record = fixture.Case("producer-put-record");
        var records = fixture.Case("producer-put-records");

        AssertOk(record);
        Assert.Matches("^[0-9]+$", record.GetProperty("SequenceNumber").GetString());
        AssertOk(records);
        Assert.Equal(0, records.GetProperty("FailedRecordCount").GetInt32());
        Assert.Equal(2, records.GetProperty("Records").GetArrayLength());
    }

    [Theory]
    [InlineData("producer-list-shards", "kinesis:ListShards", Motion)]
    [InlineData("producer-get-records", "kinesis:GetRecords", Motion)]
    public void ProducerKey_KinesisBeyondPutting_IsKinesisAccessDenied(string name, string action, string resource) =>
        AssertDenied(fixture.Case(name), 400, "producer", action, resource);

    [Theory]
    [InlineData("producer-invoke", "lambda:InvokeFunction", PlayerRank)]
    [InlineData("producer-invoke-score", "lambda:InvokeFunction", Score)]
    [InlineData("producer-update-configuration", "lambda:UpdateFunctionConfiguration", Score)]
    [InlineData("producer-list-functions", "lambda:ListFunctions", "*")]
    [InlineData("producer-update-code", "lambda:UpdateFunctionCode", Score)]
    [InlineData("producer-create-function", "lambda:CreateFunction", "*")]
    public void ProducerKey_AnyLambdaOperation_IsLambdaAccessDenied(string name, string action, string resource) =>
        AssertDenied(fixture.Case(name), 403, "producer", action, resource);

    [Theory]
    [InlineData("producer-update-mapping")]
    [InlineData("producer-disable-mapping")]
    public void ProducerKey_UpdateEventSourceMapping_IsDeniedOnTheMappingAndChangesNothing(string name)
    {
        var uuid = fixture.Case("mapping-uuid").GetProperty("UUID").GetString();

        AssertDenied(fixture.Case(name), 403, "producer", "lambda:UpdateEventSourceMapping", $"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:{uuid}");
        var mapping = fixture.Case("mapping-after-producer");
        Assert.Equal(1000, mapping.GetProperty("BatchSize").GetInt32());
        Assert.Equal("Enabled", mapping.GetProperty("State").GetString());
        Assert.Equal(3, fixture.Case("score-after-producer").GetProperty("Timeout").GetInt32());
    }

    [Theory]
    [InlineData("producer-wrong-secret-kinesis", 400)]
    [InlineData("producer-wrong-secret-lambda", 403)]
    public void ProducerKeyIdWithWrongSecret_IsStillInvalidSignature(string name, int status)
    {
        var result = fixture.Case(name);

        Assert.Equal("InvalidSignatureException", result.GetProperty("error").GetString());
        Assert.Equal(status, result.GetProperty("httpStatus").GetInt32());
    }

    [Fact]
    public void AdminKey_ReadsInvokesAndReconfigures()
    {
        Assert.True(fixture.Case("admin-get-records").GetProperty("Records").GetArrayLength() >= 1);
        Assert.Equal(200, fixture.Case("admin-invoke").GetProperty("httpStatus").GetInt32());
        Assert.Equal(4, fixture.Case("admin-update-configuration").GetProperty("Timeout").GetInt32());
        Assert.Equal(202, fixture.Case("admin-update-mapping").GetProperty("httpStatus").GetInt32());
        Assert.Equal(["player-rank", "score"],
            fixture.Case("admin-list-functions").GetProperty("Functions").EnumerateArray().Select(f => f.GetProperty("FunctionName").GetString()));
    }

    [Theory]
    [InlineData("ranker-invoke")]
    [InlineData("ranker-invoke-by-arn")]
    [InlineData("ranker-invoke-qualified")]
    public void RankerKey_ItsOneFunction_RunsIt(string name)
    {
        var result = fixture.Case(name);

        AssertOk(result);
        Assert.Equal(200, result.GetProperty("httpStatus").GetInt32());
        // player-rank ran, and found no game "none" (score would be a 409: it is fed by the stream only).
        Assert.Equal("KeyNotFoundException", JsonDocument.Parse(result.GetProperty("Payload").GetString()!).RootElement.GetProperty("errorType").GetString());
    }

    [Fact]
    public void RankerKey_GetFunctionOfItsFunction_Answers() =>
        Assert.Equal("player-rank", fixture.Case("ranker-get-function").GetProperty("Configuration").GetProperty("FunctionName").GetString());

    [Theory]
    [InlineData("ranker-invoke-score", "lambda:InvokeFunction", Score, 403)]
    [InlineData("ranker-get-function-score", "lambda:GetFunction", Score, 403)]
    [InlineData("ranker-put-record", "kinesis:PutRecord", Motion, 400)]
    public void RankerKey_AnotherFunctionOrAnotherAction_IsDenied(string name, string action, string resource, int status) =>
        AssertDenied(fixture.Case(name), status, "ranker", action, resource);

    [Fact]
    public void ReaderKey_ItsStream_ListsAndReadsWithItsOwnIterator()
    {
        Assert.Equal(4, fixture.Case("reader-list-shards").GetProperty("Shards").GetArrayLength());
        Assert.True(fixture.Case("reader-get-records").GetProperty("Records").GetArrayLength() >= 1);
    }

    [Theory]
    [InlineData("reader-list-shards-other", "kinesis:ListShards", "arn:aws:kinesis:us-east-1:000000000000:stream/other")]
    // The request names no stream: the iterator does, and it is the other stream's.
    [InlineData("reader-get-records-other", "kinesis:GetRecords", "arn:aws:kinesis:us-east-1:000000000000:stream/other")]
    // ListStreams acts on no one stream: its resource is *, which a key limited to one stream does not cover (as in IAM).
    [InlineData("reader-list-streams", "kinesis:ListStreams", "*")]
    // A plain PutRecords goes through the endpoint's fast path, which must ask the same question.
    [InlineData("reader-put-records", "kinesis:PutRecords", "arn:aws:kinesis:us-east-1:000000000000:stream/motion")]
    public void ReaderKey_AnotherStreamOrNoStream_IsDenied(string name, string action, string resource) =>
        AssertDenied(fixture.Case(name), 400, "reader", action, resource);

    private void AssertOk(JsonElement result) =>
        Assert.True(result.TryGetProperty("ok", out _), $"Expected an answer, got {result}\n{fixture.Output}");

    private void AssertDenied(JsonElement result, int status, string user, string action, string resource)
    {
        Assert.True(result.TryGetProperty("error", out var error), $"Expected AccessDeniedException, got {result}\n{fixture.Output}");
        Assert.Equal("AccessDeniedException", error.GetString());
        Assert.Equal(status, result.GetProperty("httpStatus").GetInt32());
        Assert.Equal(
            $"User: arn:aws:iam::000000000000:user/{user} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action",
            result.GetProperty("message").GetString());
    }
}
