using System.Text.Json;
using Game.Tests.Infrastructure;

namespace Game.Tests.Functions.AsyncInvocations;

/// <summary>
/// Runs Game.Tests/node/event-invoke-config-cases.js (AWS' @aws-sdk/client-lambda) once, in order, against the real
/// server, and keeps every operation's answer for the tests below.
/// </summary>
public sealed class EventInvokeConfigSdkFixture : IAsyncLifetime
{
    private readonly ServerProcess _server = new();

    public JsonDocument Results { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        Results = await NodeCases.RunAsync("event-invoke-config-cases.js",
            ["--endpoint", _server.BaseUrl, "--access-key", "AKIDGAMELOCAL", "--secret", "game-local-secret"], TimeSpan.FromSeconds(120), () => _server.Output);
    }

    public async Task DisposeAsync()
    {
        Results?.Dispose();
        await _server.DisposeAsync();
    }

    public JsonElement Case(string name) => Results.RootElement.GetProperty(name);
}

public sealed class EventInvokeConfigSdkTests(EventInvokeConfigSdkFixture fixture) : IClassFixture<EventInvokeConfigSdkFixture>
{
    private const string Arn = "arn:aws:lambda:us-east-1:000000000000:function:player-rank:$LATEST";

    [Fact]
    public void Put_StoresTheSettingsAndGetAnswersThemByNameArnOrLatest()
    {
        foreach (var name in new[] { "put", "get", "get-by-arn", "get-latest" })
        {
            var config = fixture.Case(name);
            Assert.Equal(200, config.GetProperty("httpStatus").GetInt32());
            Assert.Equal(Arn, config.GetProperty("FunctionArn").GetString());
            Assert.Equal(1, config.GetProperty("MaximumRetryAttempts").GetInt32());
            Assert.Equal(300, config.GetProperty("MaximumEventAgeInSeconds").GetInt32());
            // The SDK read LastModified as a date: epoch seconds, as Lambda writes it, within this run.
            Assert.InRange(DateTimeOffset.Parse(config.GetProperty("LastModified").GetString()!), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        }
    }

    [Fact]
    public void Update_ChangesOnlyTheFieldsGiven()
    {
        var update = fixture.Case("update");
        var destination = fixture.Case("update-destination");

        Assert.Equal(1, update.GetProperty("MaximumRetryAttempts").GetInt32());
        Assert.Equal(600, update.GetProperty("MaximumEventAgeInSeconds").GetInt32());
        Assert.Equal(1, destination.GetProperty("MaximumRetryAttempts").GetInt32());
        Assert.Equal(600, destination.GetProperty("MaximumEventAgeInSeconds").GetInt32());
        Assert.Equal("arn:aws:sqs:us-east-1:000000000000:DeadLetters", destination.GetProperty("DestinationConfig").GetProperty("OnFailure").GetProperty("Destination").GetString());
    }

    [Fact]
    public void Put_ReplacesTheWholeConfiguration()
    {
        var replaced = fixture.Case("get-after-replace");

        Assert.Equal(0, replaced.GetProperty("MaximumRetryAttempts").GetInt32());
        Assert.False(replaced.TryGetProperty("MaximumEventAgeInSeconds", out _));
        Assert.False(replaced.GetProperty("DestinationConfig").GetProperty("OnFailure").TryGetProperty("Destination", out _));
    }

    [Fact]
    public void List_AnswersTheFunctionsOneConfigurationOrNone()
    {
        Assert.Empty(fixture.Case("list-before-put").GetProperty("FunctionEventInvokeConfigs").EnumerateArray());
        var config = Assert.Single(fixture.Case("list").GetProperty("FunctionEventInvokeConfigs").EnumerateArray());
        Assert.Equal(Arn, config.GetProperty("FunctionArn").GetString());
        Assert.Equal(600, config.GetProperty("MaximumEventAgeInSeconds").GetInt32());
        Assert.Empty(fixture.Case("list-after-delete").GetProperty("FunctionEventInvokeConfigs").EnumerateArray());
    }

    [Theory]
    [InlineData("put-retries-too-many", "Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2")]
    [InlineData("put-retries-negative", "Value '-1' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value greater than or equal to 0")]
    [InlineData("put-age-too-small", "Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60")]
    [InlineData("put-age-too-large", "Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600")]
    public void Put_OutOfLambdasRange_IsAValidationExceptionAndChangesNothing(string name, string message)
    {
        var refused = fixture.Case(name);

        Assert.Equal("ValidationException", refused.GetProperty("error").GetString());
        Assert.Equal(400, refused.GetProperty("httpStatus").GetInt32());
        Assert.Equal("1 validation error detected: " + message, refused.GetProperty("message").GetString());
        Assert.Equal(0, fixture.Case("get-after-refusals").GetProperty("MaximumRetryAttempts").GetInt32());
    }

    [Theory]
    [InlineData("put-other-destination", "not 'arn:aws:sns:us-east-1:000000000000:alerts'")]
    [InlineData("put-on-success", "OnSuccess destination")]
    public void Put_ADestinationOtherThanTheDeadLetters_IsRefused(string name, string message)
    {
        var refused = fixture.Case(name);

        Assert.Equal("InvalidParameterValueException", refused.GetProperty("error").GetString());
        Assert.Equal(400, refused.GetProperty("httpStatus").GetInt32());
        Assert.Contains(message, refused.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("get-before-put", "The function arn:aws:lambda:us-east-1:000000000000:function:player-rank:$LATEST doesn't have an EventInvokeConfig")]
    [InlineData("get-after-delete", "The function arn:aws:lambda:us-east-1:000000000000:function:player-rank:$LATEST doesn't have an EventInvokeConfig")]
    [InlineData("delete-again", "The function arn:aws:lambda:us-east-1:000000000000:function:player-rank:$LATEST doesn't have an EventInvokeConfig")]
    [InlineData("put-unknown-function", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-function")]
    [InlineData("get-unknown-function", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-function")]
    [InlineData("get-version", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:player-rank:1")]
    public void Missing_IsResourceNotFound(string name, string message)
    {
        var missing = fixture.Case(name);

        Assert.Equal("ResourceNotFoundException", missing.GetProperty("error").GetString());
        Assert.Equal(404, missing.GetProperty("httpStatus").GetInt32());
        Assert.Equal(message, missing.GetProperty("message").GetString());
    }

    [Fact]
    public void Delete_AnswersNoContent()
    {
        Assert.Equal(204, fixture.Case("delete").GetProperty("httpStatus").GetInt32());
    }

    [Fact]
    public void Update_WithoutAConfiguration_CreatesOne()
    {
        var created = fixture.Case("update-creates");

        Assert.Equal(200, created.GetProperty("httpStatus").GetInt32());
        Assert.Equal(2, created.GetProperty("MaximumRetryAttempts").GetInt32());
    }

    [Fact]
    public void WrongSecret_IsRefusedAsLambdaRefusesIt()
    {
        var refused = fixture.Case("bad-signature");

        Assert.Equal("InvalidSignatureException", refused.GetProperty("error").GetString());
        Assert.Equal(403, refused.GetProperty("httpStatus").GetInt32());
    }
}
