using System.Net.Http.Json;
using System.Text.Json;
using Game.Server.EventSources;
using Game.Server.Functions.AsyncInvocations;
using Game.Tests.Infrastructure;
using Game.Tests.Invoke;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Functions.AsyncInvocations;

/// <summary>
/// One in-process host with <see cref="FailOnDemandFunction"/> registered and retry waits of tens of milliseconds,
/// for Event invocations end to end: the Invoke API's 202, the worker's retries, the dead letters over HTTP.
/// </summary>
public sealed class AsyncInvocationFixture : IAsyncLifetime
{
    private readonly InProcessServer _server = new(
        new Dictionary<string, string?>
        {
            ["AsyncInvocations:RetryDelaySeconds"] = "0.05",
            ["AsyncInvocations:PollIntervalSeconds"] = "0.05",
        },
        [],
        configureServices: services =>
        {
            services.AddJsonFunction<FailOnDemandFunction>(FailOnDemandFunction.Name, new ConfigurationBuilder().Build());
            services.AddSingleton<IStartupFilter, RawTargetAsKestrelSetsIt>();
        });

    public WebApplicationFactory<Program> Host => _server;

    public HttpClient Http { get; private set; } = null!;

    public SignedLambdaRequests Lambda { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Http = _server.CreateClient();
        Lambda = new SignedLambdaRequests(Http);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_server.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// TestServer leaves the request's raw target empty, where Kestrel gives the path as sent, which SigV4 signs (the
/// Kinesis API's path, <c>/</c>, hides the difference): give it the path, so signed Lambda REST paths verify.
/// </summary>
internal sealed class RawTargetAsKestrelSetsIt : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Features.Get<IHttpRequestFeature>() is { RawTarget: "" } request)
            {
                request.RawTarget = request.Path + request.QueryString;
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}

public sealed class AsyncInvocationTests(AsyncInvocationFixture fixture) : IClassFixture<AsyncInvocationFixture>
{
    private const string Function = FailOnDemandFunction.Name;

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public async Task EventInvocation_FailingEveryTime_IsRetriedExactlyMaximumRetryAttemptsThenDeadLettered(int retries)
    {
        Assert.Equal(200, (await fixture.Lambda.PutEventInvokeConfigAsync(Function, new { MaximumRetryAttempts = retries })).Status);
        var key = Guid.NewGuid().ToString();

        var accepted = await fixture.Lambda.InvokeEventAsync(Function, new { key, failTimes = 99 });

        Assert.Equal(202, accepted.Status);
        var deadLetter = await DeadLetterAsync(accepted.RequestId!);
        Assert.Equal(1 + retries, FailOnDemandFunction.CallsOf(key));
        Assert.Equal(1 + retries, deadLetter.GetProperty("attempts").GetInt32());
        Assert.Equal("RetriesExhausted", deadLetter.GetProperty("condition").GetString());
        Assert.Equal($"InvalidOperationException: Failing on demand: call {1 + retries} of {key}.", deadLetter.GetProperty("error").GetString());
        Assert.Equal(key, JsonDocument.Parse(deadLetter.GetProperty("payload").GetString()!).RootElement.GetProperty("key").GetString());
        await AssertNotQueuedAsync(accepted.RequestId!);
    }

    [Fact]
    public async Task EventInvocation_WithoutEventInvokeConfig_IsRetriedTwice()
    {
        await fixture.Lambda.SendAsync(HttpMethod.Delete, $"/2019-09-25/functions/{Function}/event-invoke-config", null);
        var key = Guid.NewGuid().ToString();

        var accepted = await fixture.Lambda.InvokeEventAsync(Function, new { key, failTimes = 99 });

        Assert.Equal(3, (await DeadLetterAsync(accepted.RequestId!)).GetProperty("attempts").GetInt32());
        Assert.Equal(3, FailOnDemandFunction.CallsOf(key));
    }

    [Fact]
    public async Task EventInvocation_SucceedingOnTheSecondAttempt_RunsExactlyTwiceAndIsNotDeadLettered()
    {
        Assert.Equal(200, (await fixture.Lambda.PutEventInvokeConfigAsync(Function, new { MaximumRetryAttempts = 2 })).Status);
        var key = Guid.NewGuid().ToString();

        var accepted = await fixture.Lambda.InvokeEventAsync(Function, new { key, failTimes = 1 });

        Assert.Equal(202, accepted.Status);
        await WaitUntilAsync(async () => !await IsQueuedAsync(accepted.RequestId!));
        Assert.Equal(2, FailOnDemandFunction.CallsOf(key));
        Assert.DoesNotContain(await DeadLettersAsync(), d => RequestIdOf(d) == accepted.RequestId);
    }

    private async Task<JsonElement> DeadLetterAsync(string requestId)
    {
        JsonElement? found = null;
        await WaitUntilAsync(async () =>
        {
            found = (await DeadLettersAsync()).Cast<JsonElement?>().FirstOrDefault(d => RequestIdOf(d!.Value) == requestId);
            return found is not null;
        });
        return found!.Value;
    }

    private async Task<IReadOnlyList<JsonElement>> DeadLettersAsync() =>
        await fixture.Http.GetFromJsonAsync<List<JsonElement>>($"/api/functions/{Function}/dead-letters") ?? [];

    private async Task<bool> IsQueuedAsync(string requestId) =>
        (await fixture.Host.Services.GetRequiredService<IAsyncEventStore>().ListAsync(CancellationToken.None)).Any(e => e.Id == requestId);

    /// <summary>The dead letter is written before the event leaves the queue: wait for the second write too.</summary>
    private async Task AssertNotQueuedAsync(string requestId) => await WaitUntilAsync(async () => !await IsQueuedAsync(requestId));

    private static string? RequestIdOf(JsonElement deadLetter) =>
        deadLetter.TryGetProperty("requestId", out var id) ? id.GetString() : null;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
