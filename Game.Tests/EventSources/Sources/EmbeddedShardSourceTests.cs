using System.Globalization;
using System.Text;
using Game.Server.EventSources;
using Game.Server.EventSources.Sources;
using Game.Server.Hosting;
using Game.Server.Ingest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.EventSources.Sources;

/// <summary>The embedded stream as a shard source, with fake time: positions, starting positions, waits, trimmed gaps.</summary>
public sealed class EmbeddedShardSourceTests : IAsyncLifetime
{
    private const string Shard0 = "shardId-000000000000";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "game-source-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-28T12:00:00Z", CultureInfo.InvariantCulture));
    private IngestStream _stream = null!;
    private EmbeddedShardSource _source = null!;

    public Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Game:DataDirectory"] = _directory }).Build();
        _stream = new IngestStream(Options.Create(new IngestOptions { ShardCount = 1, RetentionHours = 1 }), new DataDirectory(configuration), _time, NullLogger<IngestStream>.Instance);
        _source = new EmbeddedShardSource(_stream, _time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stream.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private Task<AppendResult[]> AppendAsync(params string[] data) =>
        _stream.AppendAsync(data.Select(d => new AppendRequest("p", Encoding.UTF8.GetBytes(d))).ToList());

    /// <summary>Splits shard 0 in the middle (children 1 and 2), as SplitShard does.</summary>
    private async Task SplitAsync()
    {
        Assert.True(_stream.TryBeginReshard());
        await _stream.ReshardAsync((map, last, now) => map.Split(0, ShardMap.MaxHashKey / 2 + 1, last(0), now));
    }

    private static string[] Data(ShardRead read) => read.Records.Select(r => Encoding.UTF8.GetString(r.Data)).ToArray();

    [Fact]
    public async Task ListShards_OneShardPerMapEntry_WithoutParents()
    {
        var shards = await _source.ListShardsAsync(CancellationToken.None);

        Assert.Equal([Shard0], shards.Select(s => s.ShardId));
        Assert.Empty(shards[0].ParentShardIds);
    }

    [Fact]
    public async Task Open_AfterASequenceNumber_ReadsTheRecordsAfterItAndMovesPastThem()
    {
        var appended = await AppendAsync("a", "b", "c");
        var cursor = await _source.OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON).After(appended[0].SequenceNumber), CancellationToken.None);

        var read = await cursor.ReadAsync(10, CancellationToken.None);

        Assert.Equal(["b", "c"], Data(read));
        Assert.False(read.ShardEnded);
        Assert.Equal(appended[2].SequenceNumber, cursor.Position.AfterSequenceNumber);
    }

    [Fact]
    public async Task Open_Latest_IsResolvedOnceSoAReopenAtItsPositionReadsWhatCameSince()
    {
        await AppendAsync("before");
        var cursor = await _source.OpenAsync(Shard0, new ShardPosition(StartingPosition.LATEST), CancellationToken.None);
        await AppendAsync("after");

        var reopened = await _source.OpenAsync(Shard0, cursor.Position, CancellationToken.None);

        Assert.Equal(["after"], Data(await reopened.ReadAsync(10, CancellationToken.None)));
    }

    [Fact]
    public async Task Open_ForeignSequenceNumber_FallsBackToTheStartingPosition()
    {
        await AppendAsync("a", "b");

        var cursor = await _source.OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON).After("49590338271490256608559692538361571095921575989136588898"), CancellationToken.None);

        Assert.Equal(["a", "b"], Data(await cursor.ReadAsync(10, CancellationToken.None)));
    }

    [Fact]
    public async Task WaitForRecords_FewerThanAskedWhenTheTimeoutPassesOnTheTimeProvider_AnswersFalse()
    {
        var cursor = await _source.OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON), CancellationToken.None);
        await AppendAsync("a");

        // Long enough that a wait on the system clock could not end within the test's patience.
        var waiting = cursor.WaitForRecordsAsync(3, TimeSpan.FromMinutes(30), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(15));
        await AppendAsync("b");
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromMinutes(15));

        Assert.False(await waiting.WaitAsync(Patience));
        Assert.True(await cursor.WaitForRecordsAsync(2, TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task WaitForRecords_EnoughArriveBeforeTheTimeout_AnswersTrue()
    {
        var cursor = await _source.OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON), CancellationToken.None);

        var waiting = cursor.WaitForRecordsAsync(2, Timeout.InfiniteTimeSpan, CancellationToken.None);
        await AppendAsync("a");
        await AppendAsync("b");

        Assert.True(await waiting.WaitAsync(Patience));
    }

    [Fact]
    public async Task WaitForRecords_CaughtUpWhenAReshardClosesTheShard_AnswersTrueAndTheReadEndsTheShard()
    {
        var appended = await AppendAsync("a");
        var cursor = await _source.OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON).After(appended[0].SequenceNumber), CancellationToken.None);
        var waiting = cursor.WaitForRecordsAsync(1, Timeout.InfiniteTimeSpan, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        await SplitAsync();

        // The reader was caught up and waiting: the close must wake it, or neither it nor the children ever go on.
        Assert.True(await waiting.WaitAsync(Patience));
        var read = await cursor.ReadAsync(10, CancellationToken.None);
        Assert.Empty(read.Records);
        Assert.True(read.ShardEnded);
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], read.ChildShardIds);
    }

    [Fact]
    public async Task WaitForRecords_MoreThanAClosedShardHasLeft_AnswersTrueAtOnceWithWhatIsLeft()
    {
        var cursor = await _source.OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON), CancellationToken.None);
        await AppendAsync("a", "b");
        await SplitAsync();

        // A batching window asks for more than will ever come: no waiting out the window (nor spinning through it).
        var waiting = cursor.WaitForRecordsAsync(3, TimeSpan.FromMinutes(30), CancellationToken.None);

        Assert.True(await waiting.WaitAsync(Patience));
        var read = await cursor.ReadAsync(10, CancellationToken.None);
        Assert.Equal(["a", "b"], Data(read));
        Assert.True(read.ShardEnded);
    }

    [Fact]
    public async Task Read_EveryRecordAfterThePositionTrimmedByRetention_MovesPastTheGap()
    {
        var cursor = await _source.OpenAsync(Shard0, new ShardPosition(StartingPosition.TRIM_HORIZON), CancellationToken.None);
        var appended = await AppendAsync("a", "b", "c");
        _time.Advance(TimeSpan.FromHours(2));
        Assert.True(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, CancellationToken.None));

        var read = await cursor.ReadAsync(10, CancellationToken.None);

        Assert.Empty(read.Records);
        Assert.Equal(appended[^1].SequenceNumber, cursor.Position.AfterSequenceNumber);
        Assert.False(await cursor.WaitForRecordsAsync(1, TimeSpan.Zero, CancellationToken.None));
    }
}
