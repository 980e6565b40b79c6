using System.Security.Cryptography;
using System.Text.Json;
using Game.Tests.Infrastructure;
using Game.Tests.Runtime.Code;

namespace Game.Tests.Functions.Code;

/// <summary>
/// Runs Game.Tests/node/function-code-cases.js (AWS' @aws-sdk/client-lambda) against the real server: CreateFunction
/// of a JSON function made in the test, Invoke, UpdateFunctionCode with another, packages that cannot run; then kills
/// the server and starts it again on the same data, and invokes once more: the deployed code came from the store.
/// </summary>
public sealed class FunctionCodeSdkFixture : IAsyncLifetime
{
    private readonly ServerProcess _server = new();
    private readonly string _zips = Directory.CreateTempSubdirectory("function-zips-").FullName;

    public JsonDocument Deployed { get; private set; } = null!;

    public JsonDocument Restarted { get; private set; } = null!;

    public byte[] Bonjour { get; } = TestPackages.Greeter("Bonjour");

    public async Task InitializeAsync()
    {
        await File.WriteAllBytesAsync(Path.Combine(_zips, "hello.zip"), TestPackages.Greeter("Hello"));
        await File.WriteAllBytesAsync(Path.Combine(_zips, "bonjour.zip"), Bonjour);
        await File.WriteAllBytesAsync(Path.Combine(_zips, "not-a-zip.zip"), "this is not a zip"u8.ToArray());
        await File.WriteAllBytesAsync(Path.Combine(_zips, "no-assembly.zip"), TestPackages.NoAssembly());
        await File.WriteAllBytesAsync(Path.Combine(_zips, "no-function.zip"), TestPackages.NoFunction());

        await _server.StartAsync();
        Deployed = await RunCasesAsync("deploy");
        await _server.KillAsync();
        await _server.StartAsync();
        Restarted = await RunCasesAsync("restarted");
    }

    public async Task DisposeAsync()
    {
        Deployed?.Dispose();
        Restarted?.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_zips, recursive: true);
    }

    public JsonElement Case(string name) => Deployed.RootElement.GetProperty(name);

    private async Task<JsonDocument> RunCasesAsync(string phase)
    {
        return await NodeCases.RunAsync("function-code-cases.js",
            ["--endpoint", _server.BaseUrl, "--access-key", "AKIDGAMELOCAL", "--secret", "game-local-secret", "--zips", _zips, "--phase", phase],
            TimeSpan.FromSeconds(180), () => _server.Output);
    }
}

public sealed class FunctionCodeSdkTests(FunctionCodeSdkFixture fixture) : IClassFixture<FunctionCodeSdkFixture>
{
    [Fact]
    public void CreateFunction_AnswersLambdasConfigurationWithTheCodesHashAndSize()
    {
        var created = fixture.Case("create");

        Assert.Equal(201, created.GetProperty("httpStatus").GetInt32());
        Assert.Equal("greeter", created.GetProperty("FunctionName").GetString());
        Assert.Equal("dotnet8", created.GetProperty("Runtime").GetString());
        Assert.Equal("Greeter::Greeter.Function::FunctionHandler", created.GetProperty("Handler").GetString());
        Assert.Equal((5, 256), (created.GetProperty("Timeout").GetInt32(), created.GetProperty("MemorySize").GetInt32()));
        Assert.Equal("test", created.GetProperty("Environment").GetProperty("Variables").GetProperty("STAGE").GetString());
        Assert.Equal(["greeter", "player-rank", "score"], fixture.Case("list-functions").GetProperty("Functions").EnumerateArray().Select(f => f.GetProperty("FunctionName").GetString()));
    }

    [Fact]
    public void Invoke_CreatedFunction_RunsItsCodeColdThenWarm()
    {
        Assert.Equal("""{"greeting":"Hello, Ada"}""", fixture.Case("invoke-cold").GetProperty("Payload").GetString());
        Assert.Contains("\tInit Duration: ", Report(fixture.Case("invoke-cold")), StringComparison.Ordinal);
        Assert.Equal("""{"greeting":"Hello, Ada"}""", fixture.Case("invoke-warm").GetProperty("Payload").GetString());
        Assert.DoesNotContain("Init Duration", Report(fixture.Case("invoke-warm")), StringComparison.Ordinal);
    }

    [Fact]
    public void UpdateFunctionCode_NextInvocationRunsTheNewCodeInAFreshEnvironment()
    {
        var updated = fixture.Case("update-code");

        Assert.Equal(200, updated.GetProperty("httpStatus").GetInt32());
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(fixture.Bonjour)), updated.GetProperty("CodeSha256").GetString());
        Assert.Equal(fixture.Bonjour.Length, updated.GetProperty("CodeSize").GetInt64());
        Assert.NotEqual(fixture.Case("create").GetProperty("RevisionId").GetString(), updated.GetProperty("RevisionId").GetString());
        Assert.Equal("""{"greeting":"Bonjour, Ada"}""", fixture.Case("invoke-after-update").GetProperty("Payload").GetString());
        Assert.Contains("\tInit Duration: ", Report(fixture.Case("invoke-after-update")), StringComparison.Ordinal);
    }

    [Fact]
    public void GetFunction_ReportsTheDeployedCode()
    {
        var function = fixture.Case("get-function");
        var configuration = fixture.Case("get-configuration");

        Assert.Equal(Convert.ToBase64String(SHA256.HashData(fixture.Bonjour)), function.GetProperty("Configuration").GetProperty("CodeSha256").GetString());
        Assert.Equal("S3", function.GetProperty("Code").GetProperty("RepositoryType").GetString());
        Assert.False(function.GetProperty("Code").TryGetProperty("Location", out _));
        Assert.Equal(fixture.Bonjour.Length, configuration.GetProperty("CodeSize").GetInt64());
        Assert.Equal(fixture.Case("update-code").GetProperty("LastModified").GetString(), configuration.GetProperty("LastModified").GetString());
    }

    [Theory]
    [InlineData("create-bad-runtime", "InvalidParameterValueException", 400, "The runtime parameter of python3.12 is not supported")]
    [InlineData("create-not-a-zip", "InvalidParameterValueException", 400, "Could not unzip uploaded file. Please check your file, then try to upload again.")]
    [InlineData("create-again", "ResourceConflictException", 409, "Function already exist: greeter")]
    [InlineData("update-not-a-zip", "InvalidParameterValueException", 400, "Could not unzip uploaded file. Please check your file, then try to upload again.")]
    [InlineData("update-no-assembly", "InvalidParameterValueException", 400, "The zip holds no .NET assembly of its own")]
    [InlineData("update-no-function", "InvalidParameterValueException", 400, "The handler's assembly 'Greeter.dll' is not at the zip's root.")]
    [InlineData("update-too-big", "RequestEntityTooLargeException", 413, "Request must be smaller than 70167211 bytes for the UpdateFunctionCode operation")]
    [InlineData("update-score-with-json-function", "InvalidParameterValueException", 400, "No class in the zip implements Game.Functions.Runtime.IKinesisFunction.")]
    [InlineData("update-unknown", "ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-function")]
    public void BadDeployment_GetsLambdasError(string name, string error, int status, string message)
    {
        var result = fixture.Case(name);

        Assert.Equal((error, status), (result.GetProperty("error").GetString(), result.GetProperty("httpStatus").GetInt32()));
        Assert.StartsWith(message, result.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void BadDeployment_TheCodeDeployedBeforeKeepsRunning()
    {
        var invocation = fixture.Case("invoke-after-refusals");

        Assert.Equal("""{"greeting":"Bonjour, Ada"}""", invocation.GetProperty("Payload").GetString());
        Assert.DoesNotContain("Init Duration", Report(invocation), StringComparison.Ordinal);
    }

    [Fact]
    public void Restart_TheServerLoadsTheDeployedCodeFromTheStore()
    {
        var restarted = fixture.Restarted.RootElement;

        Assert.Equal(Convert.ToBase64String(SHA256.HashData(fixture.Bonjour)), restarted.GetProperty("get-function").GetProperty("Configuration").GetProperty("CodeSha256").GetString());
        Assert.Equal("""{"greeting":"Bonjour, Ada"}""", restarted.GetProperty("invoke").GetProperty("Payload").GetString());
    }

    private static string Report(JsonElement invocation) =>
        invocation.GetProperty("Log").GetString()!.Split('\n').Single(l => l.StartsWith("REPORT ", StringComparison.Ordinal));
}
