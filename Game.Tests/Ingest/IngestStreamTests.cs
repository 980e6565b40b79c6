using System.Text;
using Game.Server.Hosting;
using Game.Server.Ingest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.Ingest;

/// <summary>The embedded stream on its own, with fake time: retention, shard limits, reads by time, wake-ups.</summary>
public sealed class IngestStreamTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "game-stream-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-28T12:00:00Z"));
    private IngestStream? _stream;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_stream is not null)
        {
            await _stream.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private IngestStream Open(IngestOptions options)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Game:DataDirectory"] = _directory }).Build();
        _stream = new IngestStream(Options.Create(options), new DataDirectory(configuration), _time, NullLogger<IngestStream>.Instance);
        return _stream;
    }

    private static AppendRequest[] Records(string key, params string[] data) =>
        data.Select(d => new AppendRequest(key, Encoding.UTF8.GetBytes(d))).ToArray();

    [Fact]
    public async Task Retention_RecordsOlderThanTheRetention_AreTrimmedAndTrimHorizonMoves()
    {
        var stream = Open(new IngestOptions { ShardCount = 1, RetentionHours = 1 });
        await stream.AppendAsync(Records("p", "old1", "old2", "old3"));
        _time.Advance(TimeSpan.FromMinutes(30));
        var kept = await stream.AppendAsync(Records("p", "new1", "new2"));

        _time.Advance(TimeSpan.FromMinutes(40));

        Assert.Equal(3, stream.TrimHorizon(0));
        var read = stream.Read(0, stream.TrimHorizon(0), 100);
        Assert.Equal(["new1", "new2"], read.Select(r => Encoding.UTF8.GetString(r.Data)));
        Assert.Equal(kept.Select(k => k.SequenceNumber), read.Select(r => r.SequenceNumber));
    }

    [Fact]
    public async Task Retention_ManyShardsAndMoreThanAChunk_TrimsEveryExpiredRecordOfEveryShard()
    {
        var stream = Open(new IngestOptions { ShardCount = 4, RetentionHours = 1 });
        // More than one trim chunk of old records, spread over every shard by their partition keys.
        var old = Enumerable.Range(0, IngestStream.TrimChunk + 100).Select(i => new AppendRequest($"old-{i}", Encoding.UTF8.GetBytes("x"))).ToArray();
        await stream.AppendAsync(old);
        _time.Advance(TimeSpan.FromMinutes(30));
        var kept = await stream.AppendAsync(Enumerable.Range(0, 40).Select(i => new AppendRequest($"new-{i}", Encoding.UTF8.GetBytes("y"))).ToArray());

        _time.Advance(TimeSpan.FromMinutes(40));

        for (var shard = 0; shard < 4; shard++)
        {
            var keptHere = kept.Where(k => k.ShardId == ShardMap.ShardId(shard)).Select(k => k.SequenceNumber).ToList();
            Assert.Equal(keptHere, stream.Read(shard, stream.TrimHorizon(shard), 100_000).Select(r => r.SequenceNumber));
        }
    }

    /// <summary>
    /// The trim seeks each shard's expired records by arrival; it used to scan every retained record every minute
    /// while holding the write lock, which failed the writer's commits once the stream held millions (the soak).
    /// </summary>
    [Fact]
    public async Task Retention_TrimStatement_SeeksByShardAndArrivalInsteadOfScanningTheStream()
    {
        var stream = Open(new IngestOptions { ShardCount = 1 });
        await stream.AppendAsync(Records("p", "a"));
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_directory, "stream-motion.db")}");
        connection.Open();
        using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + IngestStream.TrimSql;
        explain.Parameters.AddWithValue("$shard", 0);
        explain.Parameters.AddWithValue("$cutoff", 0);
        explain.Parameters.AddWithValue("$chunk", IngestStream.TrimChunk);
        var plan = new List<string>();
        using (var reader = explain.ExecuteReader())
        {
            while (reader.Read())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN", StringComparison.Ordinal));
        Assert.Contains("SEARCH records USING COVERING INDEX records_by_arrival (shard=? AND arrival<?)", plan);
    }

    [Fact]
    public async Task ShardLimits_Enforced_RefuseBeyond1000RecordsPerSecondAndRefillWithTime()
    {
        var stream = Open(new IngestOptions { ShardCount = 1, EnforceShardLimits = true });

        var first = await stream.AppendAsync(Enumerable.Range(0, 1200).Select(i => new AppendRequest("p", new byte[10])).ToList());
        _time.Advance(TimeSpan.FromMilliseconds(500));
        var second = await stream.AppendAsync(Enumerable.Range(0, 600).Select(i => new AppendRequest("p", new byte[10])).ToList());

        Assert.Equal(1000, first.Count(r => r.Succeeded));
        Assert.All(first.Skip(1000), r => Assert.Equal("ProvisionedThroughputExceededException", r.ErrorCode));
        Assert.Equal(500, second.Count(r => r.Succeeded));
        Assert.True(second.Take(500).All(r => r.Succeeded), "the accepted records are the first ones, in order");
    }

    [Fact]
    public async Task ShardLimits_Enforced_RefuseBeyondOneMebibytePerSecond()
    {
        var stream = Open(new IngestOptions { ShardCount = 1, EnforceShardLimits = true });

        var results = await stream.AppendAsync(Enumerable.Range(0, 5).Select(i => new AppendRequest("p", new byte[300 * 1024])).ToList());

        Assert.Equal([true, true, true, false, false], results.Select(r => r.Succeeded));
    }

    [Fact]
    public async Task ShardLimits_Off_AcceptFarMoreThanKinesis()
    {
        var stream = Open(new IngestOptions { ShardCount = 1 });

        var results = await stream.AppendAsync(Enumerable.Range(0, 5000).Select(i => new AppendRequest("p", new byte[10])).ToList());

        Assert.All(results, r => Assert.True(r.Succeeded));
    }

    [Fact]
    public async Task PositionBefore_Timestamp_FindsTheFirstRecordThatArrivedAtOrAfterIt()
    {
        var stream = Open(new IngestOptions { ShardCount = 1 });
        await stream.AppendAsync(Records("p", "a", "b"));
        _time.Advance(TimeSpan.FromSeconds(10));
        var cutoff = _time.GetUtcNow();
        await stream.AppendAsync(Records("p", "c"));

        var read = stream.Read(0, stream.PositionBefore(0, cutoff), 10);

        Assert.Equal(["c"], read.Select(r => Encoding.UTF8.GetString(r.Data)));
        Assert.Equal(cutoff, read[0].ArrivalTime);
    }

    [Fact]
    public async Task WaitForRecords_Append_WakesTheWaiterWithoutPolling()
    {
        var stream = Open(new IngestOptions { ShardCount = 1 });
        var waiting = stream.WaitForRecordsAsync(0, stream.LatestPosition(0), CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        await stream.AppendAsync(Records("p", "x"));

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, stream.LatestPosition(0));
    }

    [Fact]
    public async Task Append_OneCallManyShards_KeepsRequestOrderWithinEachShard()
    {
        var stream = Open(new IngestOptions { ShardCount = 4 });
        var requests = Enumerable.Range(0, 200).Select(i => new AppendRequest($"player-{i % 10}", Encoding.UTF8.GetBytes($"{i:D3}"))).ToList();

        var results = await stream.AppendAsync(requests);

        for (var shard = 0; shard < 4; shard++)
        {
            var read = stream.Read(shard, 0, 1000).Select(r => Encoding.UTF8.GetString(r.Data)).ToList();
            Assert.Equal(read.Order(StringComparer.Ordinal), read);
            Assert.Equal(results.Count(r => r.ShardId == ShardMap.ShardId(shard)), read.Count);
        }
    }

    [Fact]
    public async Task Writer_CommitFailsWithANonSqliteError_RefusesThatGroupAndWritesTheNext()
    {
        var stream = Open(new IngestOptions { ShardCount = 1 });
        await stream.AppendAsync(Records("p", "before"));

        // No partition key (routed by its hash key): the insert throws InvalidOperationException inside the
        // writer's transaction, which before took the writer down and left every later append waiting for ever.
        var poisoned = await stream.AppendAsync([new AppendRequest(null!, Encoding.UTF8.GetBytes("poison"), ExplicitHashKey: 0)]).WaitAsync(TimeSpan.FromSeconds(10));
        var problem = stream.WriterProblem;
        var after = await stream.AppendAsync(Records("p", "after")).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(("shardId-000000000000", null, "InternalFailure"), (poisoned[0].ShardId, poisoned[0].SequenceNumber, poisoned[0].ErrorCode));
        Assert.StartsWith("The stream's last commit failed (its appends were refused): ", problem);
        Assert.True(after[0].Succeeded);
        Assert.Null(stream.WriterProblem);
        // The refused record took no position: the next one follows the last durable record.
        Assert.Equal(["before", "after"], stream.Read(0, 0, 10).Select(r => Encoding.UTF8.GetString(r.Data)));
        Assert.Equal(2, stream.LatestPosition(0));
    }

    [Fact]
    public async Task Writer_CommitFailsInTheMiddleOfAGroup_RefusesTheWholeGroupAndItsPositionsRollBack()
    {
        var stream = Open(new IngestOptions { ShardCount = 1 });
        await stream.AppendAsync(Records("p", "before"));

        // 100 records in one group: the first 70 are written (inside the transaction) before record 70 (no key) fails.
        var records = Enumerable.Range(0, 100)
            .Select(i => i == 70 ? new AppendRequest(null!, Encoding.UTF8.GetBytes("poison"), ExplicitHashKey: 0) : new AppendRequest("p", Encoding.UTF8.GetBytes($"r{i}")))
            .ToList();
        var refused = await stream.AppendAsync(records).WaitAsync(TimeSpan.FromSeconds(10));
        var after = await stream.AppendAsync(Records("p", "after")).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(refused, r => Assert.Equal(("shardId-000000000000", null, "InternalFailure"), (r.ShardId, r.SequenceNumber, r.ErrorCode)));
        Assert.Equal(SequenceNumber.Format(0, 2), after[0].SequenceNumber);
        Assert.Equal(["before", "after"], stream.Read(0, 0, 1000).Select(r => Encoding.UTF8.GetString(r.Data)));
        Assert.Equal(2, stream.LatestPosition(0));
    }

    [Fact]
    public async Task Append_ManyRecordsInOneGroup_EachGetsTheNextPositionOfItsShardAndTheCommitTime()
    {
        var stream = Open(new IngestOptions { ShardCount = 4 });
        var requests = Enumerable.Range(0, 1_000).Select(i => new AppendRequest($"player-{i % 37}", Encoding.UTF8.GetBytes($"{i}"))).ToList();

        var results = await stream.AppendAsync(requests);

        var expectedPositions = new long[4];
        for (var i = 0; i < requests.Count; i++)
        {
            var shard = stream.Map.ShardFor(requests[i].PartitionKey);
            Assert.Equal((ShardMap.ShardId(shard), SequenceNumber.Format(shard, ++expectedPositions[shard])), (results[i].ShardId, results[i].SequenceNumber));
        }

        for (var shard = 0; shard < 4; shard++)
        {
            var read = stream.Read(shard, 0, 1_000);
            Assert.Equal(expectedPositions[shard], stream.LatestPosition(shard));
            Assert.Equal(results.Where(r => r.ShardId == ShardMap.ShardId(shard)).Select(r => r.SequenceNumber), read.Select(r => r.SequenceNumber));
            Assert.Equal(requests.Where(r => stream.Map.ShardFor(r.PartitionKey) == shard).Select(r => Encoding.UTF8.GetString(r.Data.Span)), read.Select(r => Encoding.UTF8.GetString(r.Data)));
            Assert.All(read, r => Assert.Equal(_time.GetUtcNow(), r.ArrivalTime));
        }
    }
}
