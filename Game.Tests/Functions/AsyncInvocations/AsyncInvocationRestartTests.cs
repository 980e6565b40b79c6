using System.Net.Http.Json;
using System.Text.Json;
using Game.Tests.Infrastructure;
using Game.Tests.Invoke;
using Game.Tests.Storage;

namespace Game.Tests.Functions.AsyncInvocations;

/// <summary>An accepted Event invocation is in the store before its 202, so a server killed before running it runs it once restarted.</summary>
public sealed class AsyncInvocationRestartTests
{
    [Fact]
    public async Task EventAccepted_ServerKilledBeforeItRan_RunsAfterTheRestartOnTheSameData()
    {
        var settings = new Dictionary<string, string>
        {
            ["AsyncInvocations:PollIntervalSeconds"] = "0.1",
            ["AsyncInvocations:ThrottleRetrySeconds"] = "0.1",
        };
        await using var server = new ServerProcess(settings);
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        var lambda = new SignedLambdaRequests(http);
        // Reserved concurrency 0 holds the event in the queue (throttled, as Lambda does) until the kill; player-rank
        // fails on an empty input, so once it runs, with no retries, it shows up in the dead letters.
        Assert.Equal(200, (await lambda.PutConcurrencyAsync("player-rank", 0)).Status);
        Assert.Equal(200, (await lambda.PutEventInvokeConfigAsync("player-rank", new { MaximumRetryAttempts = 0 })).Status);

        var accepted = await lambda.InvokeEventAsync("player-rank", new { });
        Assert.Equal(202, accepted.Status);
        await server.KillAsync();

        await using (var store = await SqliteTestStore.OpenAsync(Path.Combine(server.DataDirectory, "game.db"), CancellationToken.None))
        {
            var queued = Assert.Single(await store.AsyncEvents.ListAsync(CancellationToken.None));
            Assert.Equal(accepted.RequestId, queued.Id);
            Assert.Equal(0, queued.Attempts);
            Assert.Empty(await store.DeadLetters.ListAsync(null, CancellationToken.None));
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await using var restarted = new ServerProcess(settings, server.DataDirectory);
        await restarted.StartAsync();
        using var restartedHttp = new HttpClient { BaseAddress = new Uri(restarted.BaseUrl) };
        Assert.Equal(204, (await new SignedLambdaRequests(restartedHttp).DeleteConcurrencyAsync("player-rank")).Status);

        var deadLetter = await WaitForDeadLetterAsync(restartedHttp);
        Assert.Equal(accepted.RequestId, deadLetter.GetProperty("requestId").GetString());
        Assert.Equal(1, deadLetter.GetProperty("attempts").GetInt32());
        Assert.Equal("RetriesExhausted", deadLetter.GetProperty("condition").GetString());
        Assert.Equal("ArgumentException: The input needs a string 'gameId'.", deadLetter.GetProperty("error").GetString());
        Assert.Equal("{}", deadLetter.GetProperty("payload").GetString());
    }

    private static async Task<JsonElement> WaitForDeadLetterAsync(HttpClient http)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var deadLetters = await http.GetFromJsonAsync<List<JsonElement>>("/api/functions/player-rank/dead-letters", timeout.Token) ?? [];
            if (deadLetters.Count > 0)
            {
                return Assert.Single(deadLetters);
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
