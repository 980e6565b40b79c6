using System.Text;
using Game.Functions.Contracts;
using Game.Server.Hosting;
using Game.Server.Ingest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Game.Tests.Ingest;

/// <summary>Resharding the embedded stream: where records go, where parents end, and what a restart keeps.</summary>
public sealed class IngestStreamReshardTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "game-reshard-" + Guid.NewGuid().ToString("N")[..12]);
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

    private IngestStream Open(int shardCount = 1)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Game:DataDirectory"] = _directory }).Build();
        _stream = new IngestStream(Options.Create(new IngestOptions { ShardCount = shardCount }), new DataDirectory(configuration), TimeProvider.System, NullLogger<IngestStream>.Instance);
        return _stream;
    }

    private static string[] Data(IReadOnlyList<StreamRecord> records) => records.Select(r => Encoding.UTF8.GetString(r.Data)).ToArray();

    private static async Task<AppendResult[]> Put(IngestStream stream, string key, params string[] data) =>
        await stream.AppendAsync(data.Select(d => new AppendRequest(key, Encoding.UTF8.GetBytes(d))).ToArray());

    [Fact]
    public async Task WaitForRecords_ShardClosedByAReshard_WakesTheWaiter()
    {
        var stream = Open();
        await Put(stream, "a", "before");
        var waiting = stream.WaitForRecordsAsync(0, stream.LatestPosition(0), CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        Assert.True(stream.TryBeginReshard());
        await stream.ReshardAsync((m, last, now) => m.Split(0, ShardMap.MaxHashKey / 2 + 1, last(0), now));

        // No record will ever come to the closed shard: a waiter left waiting would hold its reader forever.
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(stream.IsShardEnded(0, stream.LatestPosition(0)));
        await stream.WaitForRecordsAsync(0, stream.LatestPosition(0), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Split_RecordsBeforeAndAfter_ParentEndsWithItsRecordsAndChildrenTakeTheRest()
    {
        var stream = Open();
        await Put(stream, "a", "before-1", "before-2");
        var middle = ShardMap.MaxHashKey / 2 + 1;

        Assert.True(stream.TryBeginReshard());
        Assert.True(stream.IsUpdating);
        Assert.False(stream.TryBeginReshard());
        var map = await stream.ReshardAsync((m, last, now) => m.Split(0, middle, last(0), now));
        var after = await Put(stream, "a", "after-1", "after-2");

        Assert.False(stream.IsUpdating);
        Assert.Same(map, stream.Map);
        Assert.Equal(2, map[0].EndingPosition);
        Assert.True(stream.IsShardEnded(0, 2));
        Assert.False(stream.IsShardEnded(0, 1));
        Assert.Equal(["before-1", "before-2"], Data(stream.Read(0, 0, 100)));
        var child = map.ShardFor("a");
        Assert.Equal(ShardMap.ShardId(child), after[0].ShardId);
        Assert.Equal(["after-1", "after-2"], Data(stream.Read(child, 0, 100)));
        Assert.Equal([SequenceNumber.Format(child, 1), SequenceNumber.Format(child, 2)], after.Select(r => r.SequenceNumber));
    }

    [Fact]
    public async Task Reshard_AppendsRacingIt_EachLandsOnceInTheShardOwningItsKeyWhenWritten()
    {
        var stream = Open(2);
        var writes = Enumerable.Range(0, 50).Select(i => Put(stream, $"k{i % 7}", $"r{i}")).ToList();
        Assert.True(stream.TryBeginReshard());
        var reshard = stream.ReshardAsync((m, last, now) => m.ScaleUniformly(4, last, now));
        writes.AddRange(Enumerable.Range(50, 50).Select(i => Put(stream, $"k{i % 7}", $"r{i}")));
        var results = (await Task.WhenAll(writes)).SelectMany(r => r).ToList();
        var map = await reshard;

        Assert.All(results, r => Assert.True(r.Succeeded));
        var read = map.Shards.SelectMany(s => stream.Read(s.Id, 0, 1000)).ToList();
        Assert.Equal(100, read.Count);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"r{i}").Order(), Data(read).Order());
        // Every record sits in a shard that owned its key at the time: a closed shard holds nothing past its end.
        Assert.All(map.Shards.Where(s => !s.IsOpen), s => Assert.Equal(s.EndingPosition ?? -1, stream.LatestPosition(s.Id)));
    }

    [Fact]
    public async Task Restart_AfterReshard_KeepsTheMapAndThePositions()
    {
        var stream = Open(2);
        await Put(stream, "a", "x");
        Assert.True(stream.TryBeginReshard());
        var map = await stream.ReshardAsync((m, last, now) => m.Merge(0, 1, last(0), last(1), now));
        var written = await Put(stream, "a", "y");
        await stream.DisposeAsync();
        _stream = null;

        var reopened = Open(2);

        Assert.Equal(map.Shards, reopened.Map.Shards);
        Assert.Equal(2, reopened.Map.OpenShards.Single().Id);
        Assert.Equal(["y"], Data(reopened.Read(2, 0, 10)));
        var next = await Put(reopened, "a", "z");
        Assert.Equal(SequenceNumber.Format(2, 2), next[0].SequenceNumber);
        Assert.Equal(SequenceNumber.Format(2, 1), written[0].SequenceNumber);
    }
}
