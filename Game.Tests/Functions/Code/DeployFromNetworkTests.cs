using System.Net;
using Game.Tests.Infrastructure;
using Game.Tests.Invoke;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Functions.Code;

/// <summary>The real host in process; each request comes from the address its <c>X-Test-Remote</c> header names.</summary>
public sealed class DeployFromNetworkFixture : IAsyncLifetime
{
    private readonly InProcessServer _server = new(
        new Dictionary<string, string?>
        {
            ["Auth:Keys:organiser:AccessKeyId"] = "AKIDORGANISER",
            ["Auth:Keys:organiser:SecretAccessKey"] = "organiser-secret",
            ["Auth:Keys:organiser:Actions:0"] = "lambda:UpdateFunctionCode",
        },
        [],
        configureServices: services => services.AddSingleton<IStartupFilter, RemoteFromHeader>());

    public HttpClient Http { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Http = _server.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _server.DisposeAsync();
    }

    /// <summary>TestServer has no socket: the test says where the request comes from.</summary>
    private sealed class RemoteFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(context.Request.Headers["X-Test-Remote"].ToString());
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>
/// The attack: the server listens on the hall's Wi-Fi (phones must reach it) and still has the development key
/// pair, whose secret is in the README. Deploying code is running code inside the server, so that key may deploy
/// only from the presenter's own machine; a key pair of the organiser's own may deploy from anywhere.
/// </summary>
public sealed class DeployFromNetworkTests(DeployFromNetworkFixture fixture) : IClassFixture<DeployFromNetworkFixture>
{
    private const string Hall = "192.0.2.10";

    // Not a zip: a request that gets past every permission check is answered by the package check instead.
    private static readonly object NotAZip = new { ZipFile = Convert.ToBase64String("not a zip"u8.ToArray()) };

    [Fact]
    public async Task UpdateFunctionCode_DevelopmentKeyFromTheHall_IsAccessDenied()
    {
        var answer = await new SignedLambdaRequests(fixture.Http).SendAsync(HttpMethod.Put, "/2015-03-31/functions/score/code", NotAZip, ("X-Test-Remote", Hall));

        Assert.Equal(403, answer.Status);
        Assert.Equal("AccessDeniedException", answer.Body.GetProperty("__type").GetString());
        Assert.StartsWith("UpdateFunctionCode with the published development key pair (AKIDGAMELOCAL) is allowed only from this machine", answer.Body.GetProperty("Message").GetString());
    }

    [Fact]
    public async Task CreateFunction_DevelopmentKeyFromTheHall_IsAccessDenied()
    {
        var answer = await new SignedLambdaRequests(fixture.Http).SendAsync(HttpMethod.Post, "/2015-03-31/functions",
            new { FunctionName = "mine", Runtime = "dotnet8", Role = "arn:aws:iam::000000000000:role/any", Code = NotAZip }, ("X-Test-Remote", Hall));

        Assert.Equal(403, answer.Status);
        Assert.StartsWith("CreateFunction with the published development key pair", answer.Body.GetProperty("Message").GetString());
    }

    [Theory]
    [InlineData("127.0.0.1", "AKIDGAMELOCAL", "game-local-secret")]
    [InlineData("::1", "AKIDGAMELOCAL", "game-local-secret")]
    [InlineData(Hall, "AKIDORGANISER", "organiser-secret")]
    public async Task UpdateFunctionCode_DevelopmentKeyHereOrOwnKeyAnywhere_ReachesThePackageCheck(string remote, string keyId, string secret)
    {
        var answer = await new SignedLambdaRequests(fixture.Http, keyId, secret).SendAsync(HttpMethod.Put, "/2015-03-31/functions/score/code", NotAZip, ("X-Test-Remote", remote));

        Assert.Equal(400, answer.Status);
        Assert.Equal("InvalidParameterValueException", answer.Body.GetProperty("__type").GetString());
    }
}
