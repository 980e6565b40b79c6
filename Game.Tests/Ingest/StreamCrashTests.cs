using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Game.Server.Ingest;
using Game.Tests.Infrastructure;
using Game.Tests.Ingest.Kinesis;

namespace Game.Tests.Ingest;

/// <summary>
/// The stream's durability promise on the real server: producers write under load over the Kinesis API, the server
/// is killed with SIGKILL mid-write, restarted on the same data, and everything it acknowledged is read back, in
/// order, with the same sequence numbers; nothing else is served.
/// </summary>
public sealed class StreamCrashTests
{
    private const string AccessKey = "AKIDGAMELOCAL";
    private const string Secret = "game-local-secret";

    private sealed record Written(string ShardId, string SequenceNumber, string PartitionKey, string Data);

    [Fact]
    public async Task Stream_KilledDuringWrites_KeepsEveryAcknowledgedRecordInOrderAndNothingElse()
    {
        var settings = new Dictionary<string, string> { ["Ingest:ShardCount"] = "4" };
        var acknowledged = new ConcurrentBag<Written>();
        var attempted = new ConcurrentDictionary<string, byte>();
        // Disposed only at the end: disposing deletes the data directory the restarted server needs.
        await using var server = new ServerProcess(settings);
        await server.StartAsync();
        var writers = Enumerable.Range(0, 4).Select(w => WriteUntilRefusedAsync(server.BaseUrl, w, acknowledged, attempted)).ToList();

        // Kill at a random moment once writes are flowing, so the crash lands inside group commits.
        var random = new Random(20261128);
        while (acknowledged.Count < 400)
        {
            await Task.Delay(20);
        }

        await Task.Delay(random.Next(50, 400));
        await server.KillAsync();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));

        await using var restarted = new ServerProcess(settings, server.DataDirectory);
        await restarted.StartAsync();
        var client = new SignedKinesisRequests(restarted.BaseUrl, AccessKey, Secret);

        // After the restart new records get sequence numbers above every old one in their shard.
        var (status, put) = await client.SendJsonAsync("PutRecord", new { StreamName = "motion", PartitionKey = "pk-0", Data = Convert.ToBase64String("after"u8) });
        Assert.Equal(200, status);
        var after = new Written(put.RootElement.GetProperty("ShardId").GetString()!, put.RootElement.GetProperty("SequenceNumber").GetString()!, "pk-0", "after");

        var stored = await ReadAllAsync(client);

        Assert.True(acknowledged.Count >= 400, $"{acknowledged.Count} acknowledged");
        var bySequence = stored.ToDictionary(r => r.SequenceNumber);
        foreach (var written in acknowledged.Append(after))
        {
            Assert.True(bySequence.TryGetValue(written.SequenceNumber, out var found),
                $"acknowledged {written.SequenceNumber} is missing; {written.ShardId} holds {stored.Count(r => r.ShardId == written.ShardId)} records up to {stored.Where(r => r.ShardId == written.ShardId).Select(r => r.SequenceNumber).LastOrDefault()}");
            Assert.Equal(written, found);
        }

        // Nothing half-written or invented: every stored record is one a producer sent.
        Assert.All(stored, r => Assert.True(r.Data == "after" || attempted.ContainsKey(r.Data), $"unexpected record {r.Data}"));
        foreach (var shard in stored.GroupBy(r => r.ShardId))
        {
            var sequence = shard.Select(r => r.SequenceNumber).ToList();
            Assert.Equal(sequence.Order(Comparer<string>.Create(SequenceNumber.Compare)), sequence);
            Assert.Equal(sequence.Count, sequence.Distinct().Count());
        }

        // Per partition key, records keep the order each writer sent them in.
        foreach (var key in stored.Where(r => r.Data != "after").GroupBy(r => (r.PartitionKey, Writer: r.Data.Split('-')[0])))
        {
            var counters = key.Select(r => int.Parse(r.Data.Split('-')[1])).ToList();
            Assert.Equal(counters.Order(), counters);
        }

        Assert.Equal(after.SequenceNumber, stored.Where(r => r.ShardId == after.ShardId).Select(r => r.SequenceNumber).Last());
    }

    /// <summary>Writes batches of 50 until the server stops answering (it is killed), or 2,000 batches at most.</summary>
    private static async Task WriteUntilRefusedAsync(string endpoint, int writer, ConcurrentBag<Written> acknowledged, ConcurrentDictionary<string, byte> attempted)
    {
        var client = new SignedKinesisRequests(endpoint, AccessKey, Secret);
        for (var batch = 0; batch < 2000; batch++)
        {
            var records = Enumerable.Range(0, 50).Select(i =>
            {
                var data = $"w{writer}-{batch * 50 + i:D6}";
                attempted[data] = 0;
                return new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(data)), PartitionKey = $"pk-{i % 8}", Text = data };
            }).ToList();
            JsonDocument answer;
            try
            {
                int status;
                (status, answer) = await client.SendJsonAsync("PutRecords", new { StreamName = "motion", Records = records.Select(r => new { r.Data, r.PartitionKey }) });
                if (status != 200)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                return; // the server is gone
            }

            var results = answer.RootElement.GetProperty("Records").EnumerateArray().ToList();
            for (var i = 0; i < results.Count; i++)
            {
                if (results[i].TryGetProperty("SequenceNumber", out var sequence))
                {
                    acknowledged.Add(new Written(results[i].GetProperty("ShardId").GetString()!, sequence.GetString()!, records[i].PartitionKey, records[i].Text));
                }
            }
        }
    }

    private static async Task<List<Written>> ReadAllAsync(SignedKinesisRequests client)
    {
        var all = new List<Written>();
        for (var shard = 0; shard < 4; shard++)
        {
            var shardId = ShardMap.ShardId(shard);
            var (_, iteratorAnswer) = await client.SendJsonAsync("GetShardIterator", new { StreamName = "motion", ShardId = shardId, ShardIteratorType = "TRIM_HORIZON" });
            var iterator = iteratorAnswer.RootElement.GetProperty("ShardIterator").GetString();
            while (iterator is not null)
            {
                var (status, page) = await client.SendJsonAsync("GetRecords", new { ShardIterator = iterator, Limit = 10000 });
                Assert.Equal(200, status);
                var records = page.RootElement.GetProperty("Records").EnumerateArray().ToList();
                all.AddRange(records.Select(r => new Written(
                    shardId,
                    r.GetProperty("SequenceNumber").GetString()!,
                    r.GetProperty("PartitionKey").GetString()!,
                    Encoding.UTF8.GetString(r.GetProperty("Data").GetBytesFromBase64()))));
                if (records.Count == 0 && page.RootElement.GetProperty("MillisBehindLatest").GetInt64() == 0)
                {
                    break;
                }

                iterator = page.RootElement.TryGetProperty("NextShardIterator", out var next) ? next.GetString() : null;
            }
        }

        return all;
    }
}
