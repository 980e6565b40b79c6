using System.Collections.Concurrent;
using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Server.Ingest;
using Game.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Game.Tests.KinesisProvider;

/// <summary>
/// How long a record takes from the producer's acknowledgement to the start of the function that gets it, when the
/// event source polls kinesalite (docs/functions.md, "Kinesis provider"): records appended one at a time, 100 ms
/// apart, each timed from its ack to its function's start.
/// </summary>
public sealed class KinesisDelayTests(KinesaliteFixture kinesalite, ITestOutputHelper output) : IClassFixture<KinesaliteFixture>
{
    private const string Function = "kinesis-delay";
    private const int Records = 60;

    [BenchmarkFact]
    public async Task Records_PolledFromKinesalite_ReachTheFunctionWithinAPollOfTheirAck()
    {
        var started = new ConcurrentDictionary<string, DateTimeOffset>();
        ScriptedFunction.Behaviours[Function] = (kinesisEvent, _) =>
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var record in kinesisEvent.Records)
            {
                started.TryAdd(record.Kinesis.SequenceNumber, now);
            }

            return Task.FromResult(new StreamsEventResponse());
        };
        await using var server = new KinesisProviderServer(kinesalite.Url, "delay-" + Guid.NewGuid().ToString("N")[..12], scriptedFunctions: [Function]);
        server.Start();
        var producer = server.Services.GetRequiredService<IRecordProducer>();

        var acked = new Dictionary<string, DateTimeOffset>();
        for (var i = 0; i < Records; i++)
        {
            var batch = new MotionBatch { GameId = "no-game", PlayerId = $"p{i % 7}", Seq = i + 1, Samples = [] };
            var result = await producer.AppendAsync(new AppendRequest(batch.PlayerId, MotionBatchCodec.Encode(batch)));
            Assert.True(result.Succeeded, result.ErrorCode);
            acked[result.SequenceNumber!] = DateTimeOffset.UtcNow;
            await Task.Delay(100);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (acked.Keys.Any(s => !started.ContainsKey(s)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{acked.Keys.Count(started.ContainsKey)} of {Records} records reached the function");
            await Task.Delay(50);
        }

        var delays = acked.Select(a => (started[a.Key] - a.Value).TotalMilliseconds).Order().ToArray();
        double Percentile(double p) => delays[(int)Math.Min(delays.Length - 1, Math.Ceiling(p * delays.Length) - 1)];
        output.WriteLine($"ack → function start over {Records} records: p50 {Percentile(0.5):F0} ms, p90 {Percentile(0.9):F0} ms, max {delays[^1]:F0} ms");
        // Lambda's one poll per second promises under a second; a 200 ms poll should do better.
        Assert.True(Percentile(0.5) < 1000, $"p50 {Percentile(0.5):F0} ms");
    }
}
