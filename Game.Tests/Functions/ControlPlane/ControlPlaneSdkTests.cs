using System.Text.Json;
using Game.Tests.Infrastructure;

namespace Game.Tests.Functions.ControlPlane;

/// <summary>
/// Runs Game.Tests/node/control-plane-cases.js (AWS' @aws-sdk/client-lambda) once, in order, against the real
/// server, and keeps every operation's answer for the tests below.
/// </summary>
public sealed class ControlPlaneSdkFixture : IAsyncLifetime
{
    private readonly ServerProcess _server = new(new Dictionary<string, string> { ["ControlPlane:RefreshIntervalSeconds"] = "0.2" });

    public JsonDocument Results { get; private set; } = null!;

    public string Metrics { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        // Before any invocation: Errors and Throttles must already be there, at 0.
        using (var http = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) })
        {
            Metrics = await http.GetStringAsync("/metrics");
        }

        Results = await NodeCases.RunAsync("control-plane-cases.js",
            ["--endpoint", _server.BaseUrl, "--access-key", "AKIDGAMELOCAL", "--secret", "game-local-secret"], TimeSpan.FromSeconds(120), () => _server.Output);
    }

    public async Task DisposeAsync()
    {
        Results?.Dispose();
        await _server.DisposeAsync();
    }

    public JsonElement Case(string name) => Results.RootElement.GetProperty(name);
}

public sealed class ControlPlaneSdkTests(ControlPlaneSdkFixture fixture) : IClassFixture<ControlPlaneSdkFixture>
{
    [Fact]
    public void ListFunctions_ListsEveryFunctionWithLambdasDefaults()
    {
        var functions = fixture.Case("list-functions").GetProperty("Functions").EnumerateArray().ToList();

        Assert.Equal(["player-rank", "score"], functions.Select(f => f.GetProperty("FunctionName").GetString()));
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:score", functions[1].GetProperty("FunctionArn").GetString());
        Assert.All(functions, f =>
        {
            Assert.Equal(3, f.GetProperty("Timeout").GetInt32());
            Assert.Equal(128, f.GetProperty("MemorySize").GetInt32());
            Assert.Equal("$LATEST", f.GetProperty("Version").GetString());
        });
    }

    [Fact]
    public void GetFunction_AnswersTheConfigurationAndNoConcurrencyUntilOneIsPut()
    {
        var function = fixture.Case("get-function");

        Assert.Equal("score", function.GetProperty("Configuration").GetProperty("FunctionName").GetString());
        Assert.False(function.TryGetProperty("Concurrency", out _));
        Assert.Equal(7, fixture.Case("get-function-with-concurrency").GetProperty("Concurrency").GetProperty("ReservedConcurrentExecutions").GetInt32());
    }

    [Fact]
    public void GetFunctionConfiguration_ByArn_AnswersThatFunction()
    {
        Assert.Equal("player-rank", fixture.Case("get-configuration-by-arn").GetProperty("FunctionName").GetString());
    }

    [Fact]
    public void UpdateFunctionConfiguration_IsStoredAndAnsweredAsLambdaDoes()
    {
        foreach (var name in new[] { "update-configuration", "get-configuration-after-update" })
        {
            var configuration = fixture.Case(name);
            Assert.Equal(200, configuration.GetProperty("httpStatus").GetInt32());
            Assert.Equal(5, configuration.GetProperty("Timeout").GetInt32());
            Assert.Equal(256, configuration.GetProperty("MemorySize").GetInt32());
            Assert.Equal("hello", configuration.GetProperty("Environment").GetProperty("Variables").GetProperty("GREETING").GetString());
        }

        Assert.NotEqual(
            fixture.Case("get-configuration-by-arn").GetProperty("RevisionId").GetString(),
            fixture.Case("get-configuration-after-update").GetProperty("RevisionId").GetString());
    }

    [Fact]
    public void UpdateFunctionConfiguration_NextInvocationIsAColdStartWithTheNewMemorySize()
    {
        var before = Report(fixture.Case("tail-before-update"));
        var after = Report(fixture.Case("tail-after-update"));
        var warm = Report(fixture.Case("tail-warm"));

        Assert.Matches(@"^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms$", before);
        Assert.Matches(@"\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms$", after);
        Assert.Matches(@"\tMemory Size: 256 MB\tMax Memory Used: \d+ MB$", warm);
    }

    [Theory]
    [InlineData("get-function-unknown", "ResourceNotFoundException", 404)]
    [InlineData("update-configuration-memory-too-small", "InvalidParameterValueException", 400)]
    [InlineData("update-configuration-timeout-too-long", "InvalidParameterValueException", 400)]
    [InlineData("update-configuration-stale-revision", "PreconditionFailedException", 412)]
    [InlineData("get-mapping-unknown", "ResourceNotFoundException", 404)]
    [InlineData("create-mapping-duplicate", "ResourceConflictException", 409)]
    [InlineData("create-mapping-json-function", "InvalidParameterValueException", 400)]
    [InlineData("update-mapping-bad-batch-size", "InvalidParameterValueException", 400)]
    [InlineData("bad-signature", "InvalidSignatureException", 403)]
    public void BadRequest_GetsLambdasError(string name, string error, int status)
    {
        var result = fixture.Case(name);

        Assert.Equal(error, result.GetProperty("error").GetString());
        Assert.Equal(status, result.GetProperty("httpStatus").GetInt32());
    }

    [Fact]
    public void FunctionConcurrency_PutGetDelete()
    {
        Assert.Equal(7, fixture.Case("put-concurrency").GetProperty("ReservedConcurrentExecutions").GetInt32());
        Assert.Equal(7, fixture.Case("get-concurrency").GetProperty("ReservedConcurrentExecutions").GetInt32());
        Assert.Equal(204, fixture.Case("delete-concurrency").GetProperty("httpStatus").GetInt32());
        Assert.False(fixture.Case("get-concurrency-after-delete").TryGetProperty("ReservedConcurrentExecutions", out _));
    }

    [Fact]
    public void ListEventSourceMappings_TheSeededMappingFromAppsettings()
    {
        var mapping = Assert.Single(fixture.Case("list-mappings").GetProperty("EventSourceMappings").EnumerateArray());

        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:score", mapping.GetProperty("FunctionArn").GetString());
        Assert.Equal("arn:aws:kinesis:us-east-1:000000000000:stream/motion", mapping.GetProperty("EventSourceArn").GetString());
        Assert.Equal(1000, mapping.GetProperty("BatchSize").GetInt32());
        Assert.Equal("TRIM_HORIZON", mapping.GetProperty("StartingPosition").GetString());
        Assert.Equal("Enabled", mapping.GetProperty("State").GetString());
        Assert.False(mapping.TryGetProperty("MetricsConfig", out _));
        Assert.Empty(fixture.Case("list-mappings-of-rank").GetProperty("EventSourceMappings").EnumerateArray());
        Assert.Equal(mapping.GetProperty("UUID").GetString(), fixture.Case("get-mapping").GetProperty("UUID").GetString());
    }

    [Fact]
    public void UpdateEventSourceMapping_EveryKnobIsTakenAndStateGoesUpdatingThenEnabled()
    {
        var updating = fixture.Case("update-mapping");
        var settled = fixture.Case("update-mapping-settled");

        Assert.Equal(202, updating.GetProperty("httpStatus").GetInt32());
        Assert.Equal("Updating", updating.GetProperty("State").GetString());
        Assert.Equal("Enabled", settled.GetProperty("State").GetString());
        Assert.Equal(50, settled.GetProperty("BatchSize").GetInt32());
        Assert.Equal(1, settled.GetProperty("MaximumBatchingWindowInSeconds").GetInt32());
        Assert.Equal(3, settled.GetProperty("MaximumRetryAttempts").GetInt32());
        Assert.True(settled.GetProperty("BisectBatchOnFunctionError").GetBoolean());
        Assert.Equal("DeadLetters", settled.GetProperty("DestinationConfig").GetProperty("OnFailure").GetProperty("Destination").GetString());
        Assert.Equal("""{"data":{"gameId":[{"exists":true}]}}""", settled.GetProperty("FilterCriteria").GetProperty("Filters")[0].GetProperty("Pattern").GetString());
        Assert.Equal(["EventCount"], settled.GetProperty("MetricsConfig").GetProperty("Metrics").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public void UpdateEventSourceMapping_DisableThenEnable_GoesThroughLambdasStates()
    {
        Assert.Equal("Disabling", fixture.Case("disable-mapping").GetProperty("State").GetString());
        Assert.Equal("Disabled", fixture.Case("disable-mapping-settled").GetProperty("State").GetString());
        Assert.Equal("Enabling", fixture.Case("enable-mapping").GetProperty("State").GetString());
        var enabled = fixture.Case("enable-mapping-settled");
        Assert.Equal("Enabled", enabled.GetProperty("State").GetString());
        // Emptied filters leave the mapping without FilterCriteria; what was not sent stays.
        Assert.False(enabled.TryGetProperty("FilterCriteria", out _));
        Assert.Equal(50, enabled.GetProperty("BatchSize").GetInt32());
    }

    [Fact]
    public void DeleteThenCreateEventSourceMapping_DeletingThenGoneThenCreatingThenEnabled()
    {
        Assert.Equal("Deleting", fixture.Case("delete-mapping").GetProperty("State").GetString());
        Assert.Equal("ResourceNotFoundException", fixture.Case("delete-mapping-settled").GetProperty("error").GetString());
        var created = fixture.Case("create-mapping");
        Assert.Equal(202, created.GetProperty("httpStatus").GetInt32());
        Assert.Equal("Creating", created.GetProperty("State").GetString());
        Assert.Equal(1000, created.GetProperty("BatchSize").GetInt32());
        Assert.Equal("Enabled", fixture.Case("create-mapping-settled").GetProperty("State").GetString());
        Assert.NotEqual(fixture.Case("get-mapping").GetProperty("UUID").GetString(), created.GetProperty("UUID").GetString());
    }

    [Fact]
    public void Metrics_ErrorsAndThrottlesAreZeroForEveryFunctionFromTheStart()
    {
        foreach (var function in new[] { "score", "player-rank" })
        {
            Assert.Matches($@"(?m)^Errors_total\{{[^}}]*function=""{function}""[^}}]*\}} 0( |$)", fixture.Metrics);
            Assert.Matches($@"(?m)^Throttles_total\{{[^}}]*function=""{function}""[^}}]*\}} 0( |$)", fixture.Metrics);
        }

        // Without MetricsConfig, as in Lambda, no event counts.
        Assert.DoesNotContain("polledeventcount", fixture.Metrics, StringComparison.OrdinalIgnoreCase);
    }

    private static string Report(JsonElement invocation) =>
        invocation.GetProperty("Log").GetString()!.Split('\n').Single(l => l.StartsWith("REPORT ", StringComparison.Ordinal));
}
