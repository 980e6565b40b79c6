using Game.Server.Auth;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Auth;

/// <summary>The real host in process, once for the class: its endpoints are what the tests read.</summary>
public sealed class RouteActionsFixture : IAsyncLifetime
{
    public InProcessServer Server { get; } = new(new Dictionary<string, string?>(), []);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The IAM action every SigV4-signed route of the real host declares, and the resource it names.</summary>
public sealed class RouteActionsTests(RouteActionsFixture fixture) : IClassFixture<RouteActionsFixture>
{
    private const string Function = "arn:aws:lambda:eu-west-1:000000000000:function:score";
    private const string Mapping = "arn:aws:lambda:eu-west-1:000000000000:event-source-mapping:2f1c";

    [Fact]
    public void LambdaRoutes_EachDeclaresLambdasActionAndResource()
    {
        var declared = Declared();

        // The function is named as callers name it (here a partial ARN); the resource is its full ARN in the signed region.
        Assert.Equal(("lambda:InvokeFunction", Function), declared[("POST", "/2015-03-31/functions/{functionName}/invocations")]);
        Assert.Equal(("lambda:ListFunctions", "*"), declared[("GET", "/2015-03-31/functions")]);
        Assert.Equal(("lambda:GetFunction", Function), declared[("GET", "/2015-03-31/functions/{functionName}")]);
        Assert.Equal(("lambda:GetFunctionConfiguration", Function), declared[("GET", "/2015-03-31/functions/{functionName}/configuration")]);
        Assert.Equal(("lambda:UpdateFunctionConfiguration", Function), declared[("PUT", "/2015-03-31/functions/{functionName}/configuration")]);
        Assert.Equal(("lambda:PutFunctionConcurrency", Function), declared[("PUT", "/2017-10-31/functions/{functionName}/concurrency")]);
        Assert.Equal(("lambda:DeleteFunctionConcurrency", Function), declared[("DELETE", "/2017-10-31/functions/{functionName}/concurrency")]);
        Assert.Equal(("lambda:GetFunctionConcurrency", Function), declared[("GET", "/2019-09-30/functions/{functionName}/concurrency")]);
        Assert.Equal(("lambda:CreateEventSourceMapping", "*"), declared[("POST", "/2015-03-31/event-source-mappings")]);
        Assert.Equal(("lambda:ListEventSourceMappings", "*"), declared[("GET", "/2015-03-31/event-source-mappings")]);
        Assert.Equal(("lambda:GetEventSourceMapping", Mapping), declared[("GET", "/2015-03-31/event-source-mappings/{uuid}")]);
        Assert.Equal(("lambda:UpdateEventSourceMapping", Mapping), declared[("PUT", "/2015-03-31/event-source-mappings/{uuid}")]);
        Assert.Equal(("lambda:DeleteEventSourceMapping", Mapping), declared[("DELETE", "/2015-03-31/event-source-mappings/{uuid}")]);
        Assert.Equal(("lambda:PutFunctionEventInvokeConfig", Function), declared[("PUT", "/2019-09-25/functions/{functionName}/event-invoke-config")]);
        Assert.Equal(("lambda:UpdateFunctionEventInvokeConfig", Function), declared[("POST", "/2019-09-25/functions/{functionName}/event-invoke-config")]);
        Assert.Equal(("lambda:GetFunctionEventInvokeConfig", Function), declared[("GET", "/2019-09-25/functions/{functionName}/event-invoke-config")]);
        Assert.Equal(("lambda:DeleteFunctionEventInvokeConfig", Function), declared[("DELETE", "/2019-09-25/functions/{functionName}/event-invoke-config")]);
        Assert.Equal(("lambda:ListFunctionEventInvokeConfigs", Function), declared[("GET", "/2019-09-25/functions/{functionName}/event-invoke-config/list")]);
        Assert.Equal(("lambda:CreateFunction", "*"), declared[("POST", "/2015-03-31/functions")]);
        Assert.Equal(("lambda:UpdateFunctionCode", Function), declared[("PUT", "/2015-03-31/functions/{functionName}/code")]);
    }

    [Fact]
    public void KinesisRoute_ChecksEachOperationItself()
    {
        var kinesis = Endpoints().Single(e => e.RoutePattern.RawText == "/" && Methods(e).Contains("POST"));

        Assert.Same(IamAction.CheckedByEndpoint, kinesis.Metadata.GetMetadata<IamAction>());
    }

    private Dictionary<(string Method, string Pattern), (string? Action, string Resource)> Declared()
    {
        var values = new Dictionary<string, object?> { ["functionName"] = "000000000000:function:score", ["uuid"] = "2f1c" };
        return Endpoints()
            .Where(e => e.Metadata.GetMetadata<IamAction>() is { Name: not null })
            .SelectMany(e => Methods(e).Select(m => (Key: (m, e.RoutePattern.RawText!), Iam: e.Metadata.GetMetadata<IamAction>()!)))
            .ToDictionary(x => x.Key, x => (x.Iam.Name, x.Iam.Resource(values, "eu-west-1")));
    }

    private IEnumerable<RouteEndpoint> Endpoints() =>
        fixture.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

    private static IReadOnlyList<string> Methods(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
}
