using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Game.Functions.Contracts;
using Game.Tests.Hosting;
using Game.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Game.Tests.FunctionLogs;

/// <summary>
/// REPORT lines go to the function's own log (a file in the data directory, readable at
/// <c>/api/functions/{name}/logs</c>), not to the operator's console; and a made-up join code is not an error.
/// </summary>
[Collection(InProcessHostCollection.Name)]
public sealed class FunctionLogsTests(InProcessHostFixture fixture)
{
    private HttpClient Presenter()
    {
        var http = fixture.Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServerProcess.TestPresenterKey);
        return http;
    }

    [Fact]
    public async Task Invocation_WritesReportToTheFunctionLogAndNotToTheConsoleLoggers()
    {
        var grains = fixture.Host.Services.GetRequiredService<IGrainFactory>();

        // What a round does to the score function, batch after batch.
        var results = new List<DirectInvocationResult>();
        for (var i = 0; i < 3; i++)
        {
            results.Add(await grains.GetGrain<IFunctionGrain>("score").Invoke("""{"Records":[]}"""u8.ToArray()));
        }

        using var http = Presenter();
        var log = "";
        for (var attempt = 0; attempt < 100 && !results.All(r => log.Contains($"REPORT RequestId: {r.RequestId}")); attempt++)
        {
            log = await http.GetStringAsync("/api/functions/score/logs?tail=1000");
            await Task.Delay(50);
        }

        foreach (var result in results)
        {
            Assert.Contains($"START RequestId: {result.RequestId} Version: $LATEST\n", log);
            Assert.Contains($"END RequestId: {result.RequestId}\n", log);
            Assert.Contains($"REPORT RequestId: {result.RequestId}\tDuration: ", log);
        }

        Assert.DoesNotContain(fixture.Logs.Entries, e => e.Message.Contains("REPORT RequestId", StringComparison.Ordinal));
        var file = Path.Combine(fixture.Host.Services.GetRequiredService<Game.Server.FunctionLogs.FunctionLogFiles>().Folder, "score.log");
        Assert.Contains($"REPORT RequestId: {results[^1].RequestId}", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task Logs_Tail_AnswersOnlyTheLastLines()
    {
        var grains = fixture.Host.Services.GetRequiredService<IGrainFactory>();
        var last = await grains.GetGrain<IFunctionGrain>("score").Invoke("""{"Records":[]}"""u8.ToArray());
        using var http = Presenter();

        var lines = Array.Empty<string>();
        for (var attempt = 0; attempt < 100 && !(lines.Length == 1 && lines[0].StartsWith($"REPORT RequestId: {last.RequestId}", StringComparison.Ordinal)); attempt++)
        {
            lines = (await http.GetStringAsync("/api/functions/score/logs?tail=1")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            await Task.Delay(50);
        }

        Assert.StartsWith($"REPORT RequestId: {last.RequestId}", Assert.Single(lines));
    }

    [Theory]
    [InlineData("/api/functions/score/logs", null, HttpStatusCode.Unauthorized)]
    [InlineData("/api/functions/no-such/logs", ServerProcess.TestPresenterKey, HttpStatusCode.NotFound)]
    [InlineData("/api/functions/score/logs?tail=0", ServerProcess.TestPresenterKey, HttpStatusCode.BadRequest)]
    [InlineData("/api/functions/score/logs?tail=1001", ServerProcess.TestPresenterKey, HttpStatusCode.BadRequest)]
    public async Task Logs_WithoutKeyOrBadRequest_IsAProblem(string path, string? key, HttpStatusCode status)
    {
        using var http = fixture.Host.CreateClient();
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        using var response = await http.GetAsync(path);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UnknownJoinCode_LogsNoErrorAndNoStackTrace()
    {
        using var http = fixture.Host.CreateClient();
        fixture.Logs.Clear();

        using var response = await http.PostAsync("/api/games/QQQQQ/players", new StringContent("""{"nickname":"Ada"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain(fixture.Logs.Entries, e => e.Exception is not null || e.Level >= LogLevel.Error);
    }
}
