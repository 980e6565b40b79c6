using System.Net;
using System.Text;
using System.Text.Json;
using Game.Functions.Runtime;
using Game.Server.EventSources;
using Game.Server.Ingest;
using Game.Tests.Infrastructure;
using Game.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.EventSources;

/// <summary>Event source mappings on the real host: records appended to the stream reach scripted functions.</summary>
public sealed class EventSourceMappingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static string Unique(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..6]}";

    private static Task<AppendResult[]> AppendAsync(InProcessServer server, string partitionKey, params string[] data) =>
        server.Services.GetRequiredService<IngestStream>()
            .AppendAsync(data.Select(d => new AppendRequest(partitionKey, Encoding.UTF8.GetBytes(d))).ToList());

    private static async Task<IReadOnlyList<KinesisEvent>> WaitForRecordsAsync(string function, int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (ScriptedFunction.InvocationsOf(function).Sum(e => e.Records.Count) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{function} saw {ScriptedFunction.InvocationsOf(function).Sum(e => e.Records.Count)} of {count} records");
            await Task.Delay(20);
        }

        return ScriptedFunction.InvocationsOf(function);
    }

    private static string[] Data(KinesisEvent e) => e.Records.Select(r => Encoding.UTF8.GetString(r.Kinesis.Data)).ToArray();

    [Fact]
    public async Task Mapping_BatchSize_SplitsABacklogIntoFullBatchesInOrder()
    {
        var function = Unique("sized");
        await using var server = new InProcessServer(new Dictionary<string, string?> { [$"Functions:{function}:BatchSize"] = "10" }, [function]);
        var gate = new TaskCompletionSource();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = true;
        ScriptedFunction.Behaviours[function] = async (_, _) =>
        {
            // Hold the first invocation until the backlog is in the stream, so later batches are full.
            if (first)
            {
                first = false;
                entered.SetResult();
                await gate.Task;
            }

            return new StreamsEventResponse();
        };
        _ = server.Services; // starts the host

        await AppendAsync(server, "p", "r0");
        await entered.Task.WaitAsync(Patience);
        await AppendAsync(server, "p", Enumerable.Range(1, 24).Select(i => $"r{i}").ToArray());
        gate.SetResult();

        var invocations = await WaitForRecordsAsync(function, 25);
        Assert.Equal([1, 10, 10, 4], invocations.Select(e => e.Records.Count));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"r{i}"), invocations.SelectMany(Data));
    }

    [Fact]
    public async Task Mapping_BatchingWindow_GathersRecordsThatArriveWithinIt()
    {
        var function = Unique("windowed");
        await using var server = new InProcessServer(new Dictionary<string, string?>
        {
            [$"Functions:{function}:BatchSize"] = "100",
            [$"Functions:{function}:MaximumBatchingWindowInSeconds"] = "6",
        }, [function]);
        _ = server.Services;

        for (var i = 0; i < 5; i++)
        {
            await AppendAsync(server, "p", $"w{i}");
        }

        var invocations = await WaitForRecordsAsync(function, 5);
        Assert.Equal(["w0", "w1", "w2", "w3", "w4"], Data(Assert.Single(invocations)));
    }

    [Fact]
    public async Task Mapping_Restart_ResumesAfterTheStoredCheckpoint()
    {
        var function = Unique("resumed");
        var settings = new Dictionary<string, string?>();
        string dataDirectory;
        await using (var server = new InProcessServer(settings, [function]))
        {
            dataDirectory = server.DataDirectory;
            _ = server.Services;
            var appended = await AppendAsync(server, "p", "a", "b", "c");
            await WaitForRecordsAsync(function, 3);
            // The checkpoint is written after the invocation returns: wait until it names the last record.
            await WaitForCheckpointAsync(server, function, appended[^1]);
        }

        ScriptedFunction.Invocations.TryRemove(function, out _);
        await using (var restarted = new InProcessServer(settings, [function], dataDirectory))
        {
            _ = restarted.Services;
            var appended = await AppendAsync(restarted, "p", "d");
            // A shard is read in order, so once the checkpoint names "d", anything read again before it was
            // already invoked: no waiting for something not to happen.
            await WaitForCheckpointAsync(restarted, function, appended[^1]);
            Assert.Equal(["d"], ScriptedFunction.InvocationsOf(function).SelectMany(Data));
        }
    }

    private static async Task WaitForCheckpointAsync(InProcessServer server, string function, AppendResult record)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (await LeaseCheckpoints.ReadAsync(server.Services, ShardReader.LeaseKey(function, "motion", record.ShardId), CancellationToken.None) != record.SequenceNumber)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the checkpoint never reached {record.SequenceNumber}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Mapping_ReservedConcurrency_ThrottlesExcessInvocationsAndRunsThemLater()
    {
        var function = Unique("throttled");
        await using var server = new InProcessServer(new Dictionary<string, string?>
        {
            [$"Functions:{function}:ReservedConcurrentExecutions"] = "1",
            [$"Functions:{function}:ParallelizationFactor"] = "5",
        }, [function]);
        var running = 0;
        var maxRunning = 0;
        ScriptedFunction.Behaviours[function] = async (_, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            await Task.Delay(30);
            Interlocked.Decrement(ref running);
            return new StreamsEventResponse();
        };
        _ = server.Services;

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => AppendAsync(server, $"player-{i}", $"t{i}")));
        await WaitForRecordsAsync(function, 40);

        Assert.Equal(1, maxRunning);
        var metrics = await server.CreateClient().GetStringAsync("/metrics");
        var throttles = metrics.Split('\n').Where(l => l.StartsWith("Throttles_total{", StringComparison.Ordinal) && l.Contains(function, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(throttles > 0, metrics);
    }

    [Fact]
    public async Task Mapping_TumblingWindow_CarriesStateBetweenInvocationsAndEndsWithAFinalInvoke()
    {
        var function = Unique("windows");
        await using var server = new InProcessServer(new Dictionary<string, string?>
        {
            [$"Functions:{function}:BatchSize"] = "1",
            [$"Functions:{function}:TumblingWindowInSeconds"] = "2",
        }, [], windowFunctions: [function]);
        _ = server.Services;

        for (var i = 0; i < 5; i++)
        {
            await AppendAsync(server, "p", $"w{i}");
        }

        var deadline = DateTime.UtcNow + Patience;
        IReadOnlyList<KinesisTimeWindowEvent> events;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "no final invocation arrived");
            await Task.Delay(50);
            events = CountingWindowFunction.Events.TryGetValue(function, out var queue) ? queue.ToArray() : [];
        }
        while (events.Where(e => e.IsFinalInvokeForWindow).Sum(e => int.Parse(e.State["count"])) < 5);

        var finals = events.Where(e => e.IsFinalInvokeForWindow).ToList();
        Assert.All(finals, f => Assert.Empty(f.Records));
        Assert.Equal(finals.Select(f => f.Window.Start).Distinct().Count(), finals.Count);
        // Each record went in its own invocation (BatchSize 1), so a window's count above 1 came from carried state.
        Assert.Contains(finals, f => int.Parse(f.State["count"]) >= 2);
        Assert.All(events, e => Assert.Equal(TimeSpan.FromSeconds(2), e.Window.End - e.Window.Start));
        Assert.All(events, e => Assert.Equal(0, e.Window.Start.ToUnixTimeMilliseconds() % 2000));
        Assert.Equal(5, events.Sum(e => e.Records.Count));
    }

    [Fact]
    public async Task Mapping_PoisonRecordWithBisection_GoesToDeadLettersWhileTheShardMovesOnAndReplays()
    {
        var function = Unique("poison");
        await using var server = new InProcessServer(new Dictionary<string, string?>
        {
            [$"Functions:{function}:BisectBatchOnFunctionError"] = "true",
            [$"Functions:{function}:MaximumRetryAttempts"] = "1",
            [$"Functions:{function}:OnFailureDestination"] = "DeadLetters",
        }, [function]);
        var healed = false;
        var delivered = new List<string>();
        ScriptedFunction.Behaviours[function] = (e, _) =>
        {
            var data = Data(e);
            if (!healed && data.Contains("poison"))
            {
                throw new InvalidOperationException("cannot digest poison");
            }

            lock (delivered)
            {
                delivered.AddRange(data);
            }

            return Task.FromResult(new StreamsEventResponse());
        };
        var http = server.CreateClient();

        await AppendAsync(server, "p", "a", "b", "c", "poison", "d", "e", "f");

        // The records after the poison one are delivered after its dead letter is written: wait for both.
        JsonElement letter = default;
        var deadline = DateTime.UtcNow + Patience;
        while (letter.ValueKind == JsonValueKind.Undefined || Delivered() < 6)
        {
            Assert.True(DateTime.UtcNow < deadline, "no dead letter appeared");
            await Task.Delay(50);
            var list = JsonDocument.Parse(await http.GetStringAsync($"/api/functions/{function}/dead-letters")).RootElement;
            letter = list.GetArrayLength() == 1 ? list[0].Clone() : default;
        }

        lock (delivered)
        {
            Assert.Equal(["a", "b", "c", "d", "e", "f"], delivered);
        }

        int Delivered()
        {
            lock (delivered)
            {
                return delivered.Count;
            }
        }

        Assert.Equal(1, letter.GetProperty("batchSize").GetInt32());
        Assert.Equal("RetryAttemptsExhausted", letter.GetProperty("condition").GetString());
        Assert.Equal("cannot digest poison", letter.GetProperty("error").GetString());
        Assert.Equal(2, letter.GetProperty("attempts").GetInt32());
        Assert.Equal(letter.GetProperty("startSequenceNumber").GetString(), letter.GetProperty("endSequenceNumber").GetString());
        Assert.Equal(JsonValueKind.Null, letter.GetProperty("replayedAt").ValueKind);

        var id = letter.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync($"/api/functions/{function}/dead-letters/{id}/replay", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PresenterPostAsync(http, $"/api/functions/{function}/dead-letters/no-such-id/replay")).StatusCode);

        healed = true;
        var replay = await PresenterPostAsync(http, $"/api/functions/{function}/dead-letters/{id}/replay");
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        lock (delivered)
        {
            Assert.Equal("poison", delivered[^1]);
        }

        var after = JsonDocument.Parse(await http.GetStringAsync($"/api/functions/{function}/dead-letters")).RootElement;
        Assert.NotEqual(JsonValueKind.Null, after[0].GetProperty("replayedAt").ValueKind);
    }

    private static Task<HttpResponseMessage> PresenterPostAsync(HttpClient http, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = new("Bearer", ServerProcess.TestPresenterKey);
        return http.SendAsync(request);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}
