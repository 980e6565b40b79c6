// Slightly over our usual 300 lines: the append path, routing and reads share the per-shard positions and signals;
// the writer (group commit) is in IngestStream.Writer.cs.
using System.Numerics;
using System.Threading.Channels;
using Game.Functions.Contracts;
using Game.Server.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Game.Server.Ingest;

/// <summary>A record to append: the partition key routes it, unless an explicit hash key is given.</summary>
public sealed record AppendRequest(string PartitionKey, ReadOnlyMemory<byte> Data, BigInteger? ExplicitHashKey = null);

/// <summary>One record's outcome, as PutRecords reports it: a sequence number, or an error code.</summary>
public readonly record struct AppendResult(string ShardId, string? SequenceNumber, string? ErrorCode = null, string? ErrorMessage = null)
{
    public bool Succeeded => SequenceNumber is not null;
}

/// <summary>
/// The embedded Kinesis-like stream: a fixed set of shards in one SQLite database in WAL mode. One writer
/// drains every pending append into one transaction and commits with a full fsync (group commit), so a record
/// is acknowledged only once it is on disk, and a crash loses only what was never acknowledged; SQLite's
/// journal discards a half-written tail. Readers are woken on commit, not by polling.
/// </summary>
/// <remarks>Why SQLite and not a hand-written log: see docs/architecture.md (Ingest).</remarks>
public sealed partial class IngestStream : IAsyncDisposable
{
    private const int MaxRecordsPerCommit = 20_000;

    private readonly IngestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<IngestStream> _logger;
    private readonly string _connectionString;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    // Per shard id; replaced (grown) only by the writer, when a reshard adds shards (IngestStream.Reshard.cs).
    private long[] _nextPosition;
    private long[] _committedPosition;
    private long[] _lastArrival;
    private TaskCompletionSource[] _appended;
    private ShardMap _map;
    private readonly Task _writer;
    private readonly ITimer _retention;
    private readonly ShardWriteLimits? _limits;
    private long _pendingRecords;
    private int _retentionHours;
    private int _reshardsPending;
    private Exception? _lastCommitError;
    private Exception? _writerFailure;

    public IngestStream(IOptions<IngestOptions> options, DataDirectory data, TimeProvider time, ILogger<IngestStream> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        Data = data;
        _retentionHours = _options.RetentionHours;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = data.File($"stream-{_options.StreamName}.db"),
            Pooling = true,
        }.ToString();

        var writeConnection = Open();
        // A stream that was resharded keeps its map; one never resharded has the configured equal ranges.
        _map = LoadShardMap(writeConnection) ?? new ShardMap(_options.ShardCount);
        _nextPosition = new long[_map.ShardCount];
        _committedPosition = new long[_map.ShardCount];
        _lastArrival = new long[_map.ShardCount];
        _appended = Enumerable.Range(0, _map.ShardCount).Select(_ => NewSignal()).ToArray();
        Recover(writeConnection);
        _writer = Task.Run(() => RunWriterAsync(writeConnection));
        _retention = time.CreateTimer(_ => TrimExpired(), null, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        _limits = _options.EnforceShardLimits ? new ShardWriteLimits(_map.ShardCount, _options.ShardRecordsPerSecond, _options.ShardBytesPerSecond, time) : null;
    }

    public string Name => _options.StreamName;

    /// <summary>The shards now: open ones take records; a reshard replaces the map.</summary>
    public ShardMap Map => Volatile.Read(ref _map);

    public IngestOptions Options => _options;

    /// <summary>The folder the stream's database is in (streams created beside it go there too).</summary>
    public DataDirectory Data { get; }

    /// <summary>A reshard is under way (Kinesis' stream status UPDATING).</summary>
    public bool IsUpdating => Volatile.Read(ref _reshardsPending) > 0;

    /// <summary>How long records are kept, hours: <c>Ingest:RetentionHours</c> until the Kinesis API changes it.</summary>
    public int RetentionHours
    {
        get => Volatile.Read(ref _retentionHours);
        set => Volatile.Write(ref _retentionHours, value);
    }

    /// <summary>
    /// Appends records in order and answers once they are durable. Records for one shard keep the order of
    /// <paramref name="records"/>. When the stream cannot take them all, none is taken and each answers
    /// ProvisionedThroughputExceededException.
    /// </summary>
    public Task<AppendResult[]> AppendAsync(IReadOnlyList<AppendRequest> records)
    {
        var map = Map;
        var shards = Route(map, records);
        if (_limits is not null)
        {
            return AppendWithinShardLimitsAsync(records, shards, map, _limits);
        }

        return AppendRoutedAsync(records, shards, map);
    }

    private static int[] Route(ShardMap map, IReadOnlyList<AppendRequest> records)
    {
        var shards = new int[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            shards[i] = records[i].ExplicitHashKey is { } hashKey ? map.ShardFor(hashKey) : map.ShardFor(records[i].PartitionKey);
        }

        return shards;
    }

    /// <summary>
    /// Kinesis' per-shard limits: each record takes from its shard's budget; one that does not fit fails with
    /// ProvisionedThroughputExceededException, as does every later record of that shard in the call, so a
    /// producer's order within a shard is never broken by a record slipping past a refused one.
    /// </summary>
    private async Task<AppendResult[]> AppendWithinShardLimitsAsync(IReadOnlyList<AppendRequest> records, int[] shards, ShardMap map, ShardWriteLimits limits)
    {
        var results = new AppendResult[records.Count];
        var refusedShards = new HashSet<int>();
        var accepted = new List<int>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var bytes = records[i].Data.Length + System.Text.Encoding.UTF8.GetByteCount(records[i].PartitionKey);
            if (refusedShards.Contains(shards[i]) || !limits.TryTake(shards[i], bytes))
            {
                refusedShards.Add(shards[i]);
                results[i] = Throttled(shards[i]);
            }
            else
            {
                accepted.Add(i);
            }
        }

        if (accepted.Count > 0)
        {
            var written = await AppendRoutedAsync(accepted.Select(i => records[i]).ToList(), accepted.Select(i => shards[i]).ToArray(), map);
            for (var k = 0; k < accepted.Count; k++)
            {
                results[accepted[k]] = written[k];
            }
        }

        return results;
    }

    private static AppendResult Throttled(int shard) =>
        new(ShardMap.ShardId(shard), null, "ProvisionedThroughputExceededException", $"Rate exceeded for shard {ShardMap.ShardId(shard)}.");

    private Task<AppendResult[]> AppendRoutedAsync(IReadOnlyList<AppendRequest> records, int[] shards, ShardMap routedWith)
    {
        if (Interlocked.Add(ref _pendingRecords, records.Count) > _options.MaxPendingRecords)
        {
            Interlocked.Add(ref _pendingRecords, -records.Count);
            return Task.FromResult(shards.Select(Throttled).ToArray());
        }

        var pending = new PendingAppend(records, shards, routedWith);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Add(ref _pendingRecords, -records.Count);
            return Volatile.Read(ref _writerFailure) is not null
                ? Task.FromResult(Refused(shards))
                : throw new ObjectDisposedException(nameof(IngestStream));
        }

        return pending.Completion.Task;
    }

    /// <summary>Position of the newest durable record of a shard (0 when it has none yet).</summary>
    public long LatestPosition(int shard) => Volatile.Read(ref _committedPosition[shard]);

    /// <summary>Position just before the oldest record still kept (TRIM_HORIZON reads after it).</summary>
    public long TrimHorizon(int shard)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(position) FROM records WHERE shard = $shard";
        command.Parameters.AddWithValue("$shard", shard);
        return command.ExecuteScalar() is long oldest ? oldest - 1 : LatestPosition(shard);
    }

    /// <summary>Position just before the first record that arrived at or after <paramref name="timestamp"/>.</summary>
    public long PositionBefore(int shard, DateTimeOffset timestamp)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(position) FROM records WHERE shard = $shard AND arrival >= $arrival";
        command.Parameters.AddWithValue("$shard", shard);
        command.Parameters.AddWithValue("$arrival", timestamp.ToUnixTimeMilliseconds());
        return command.ExecuteScalar() is long first ? first - 1 : LatestPosition(shard);
    }

    /// <summary>Reads durable records after a position, in order, up to a count and a byte budget (at least one record).</summary>
    public IReadOnlyList<StreamRecord> Read(int shard, long afterPosition, int maxRecords, long maxBytes = 10 * 1024 * 1024)
    {
        if (afterPosition >= LatestPosition(shard))
        {
            return [];
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT position, arrival, partition_key, data FROM records WHERE shard = $shard AND position > $after ORDER BY position LIMIT $limit";
        command.Parameters.AddWithValue("$shard", shard);
        command.Parameters.AddWithValue("$after", afterPosition);
        command.Parameters.AddWithValue("$limit", maxRecords);
        var records = new List<StreamRecord>(Math.Min(maxRecords, 1024));
        long bytes = 0;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var data = (byte[])reader.GetValue(3);
            bytes += data.Length;
            if (records.Count > 0 && bytes > maxBytes)
            {
                break;
            }

            records.Add(new StreamRecord(
                SequenceNumber.Format(shard, reader.GetInt64(0)),
                reader.GetString(2),
                data,
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
        }

        return records;
    }

    /// <summary>
    /// Completes when the shard has a durable record after <paramref name="afterPosition"/>, or when a reshard has
    /// closed it (no record will ever come: the caller finds the shard ended, <see cref="IsShardEnded"/>).
    /// </summary>
    public async Task WaitForRecordsAsync(int shard, long afterPosition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _appended[shard]);
            // Closing wakes the shard's waiters (ApplyReshard) once, and no commit ever signals a closed shard again:
            // waiting on past the close would hold a caught-up reader, and so its children, forever. The map is
            // published before that wake-up, so a waiter that took the signal after it sees the shard closed here.
            if (LatestPosition(shard) > afterPosition || !Map[shard].IsOpen)
            {
                return;
            }

            await signal.Task.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _retention.DisposeAsync();
        _queue.Writer.TryComplete();
        await _writer;
    }

    private SqliteConnection Open() => OpenDurable(_connectionString);

    /// <summary>A connection to a stream's database or the stream catalog, every commit durable.</summary>
    internal static SqliteConnection OpenDurable(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        // FULL: every commit fsyncs the WAL, so an acknowledged record survives a crash or power loss.
        pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private void Recover(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS records (
                shard INTEGER NOT NULL,
                position INTEGER NOT NULL,
                arrival INTEGER NOT NULL,
                partition_key TEXT NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (shard, position)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS records_by_arrival ON records (shard, arrival);
            CREATE TABLE IF NOT EXISTS shards (
                shard INTEGER PRIMARY KEY,
                last_position INTEGER NOT NULL,
                last_arrival INTEGER NOT NULL);
            SELECT shard, last_position, last_arrival FROM shards;
            """;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var shard = reader.GetInt32(0);
            if (shard < Map.ShardCount)
            {
                _nextPosition[shard] = _committedPosition[shard] = reader.GetInt64(1);
                _lastArrival[shard] = reader.GetInt64(2);
            }
        }
    }

    /// <summary>
    /// Deletes up to <see cref="TrimChunk"/> expired records of one shard. A seek on <c>records_by_arrival</c> by
    /// shard and arrival, never a scan: a delete holds the stream's write lock while it runs, and one statement over
    /// all shards (<c>WHERE arrival &lt; $cutoff</c>) scanned every retained record each minute — at half load,
    /// millions after minutes — while the writer's commits waited, then failed ("database is locked"; the soak in
    /// docs/performance.md).
    /// </summary>
    internal const string TrimSql = """
        DELETE FROM records WHERE shard = $shard AND position IN
            (SELECT position FROM records WHERE shard = $shard AND arrival < $cutoff LIMIT $chunk)
        """;

    /// <summary>Records one trim statement deletes at most, so the writer never waits long behind it.</summary>
    internal const int TrimChunk = 5_000;

    private void TrimExpired()
    {
        try
        {
            var cutoff = _time.GetUtcNow().AddHours(-RetentionHours).ToUnixTimeMilliseconds();
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = TrimSql;
            var shardParameter = command.Parameters.Add("$shard", SqliteType.Integer);
            command.Parameters.AddWithValue("$cutoff", cutoff);
            command.Parameters.AddWithValue("$chunk", TrimChunk);
            var trimmed = 0;
            for (var shard = 0; shard < Map.ShardCount; shard++)
            {
                shardParameter.Value = shard;
                int deleted;
                do
                {
                    // Each statement its own short transaction: the writer's commits go between them.
                    deleted = command.ExecuteNonQuery();
                    trimmed += deleted;
                }
                while (deleted == TrimChunk);
            }

            if (trimmed > 0)
            {
                LogTrimmed(_logger, trimmed);
            }
        }
        catch (SqliteException ex)
        {
            LogTrimFailed(_logger, ex);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class PendingAppend(IReadOnlyList<AppendRequest> records, int[] shards, ShardMap routedWith)
    {
        public IReadOnlyList<AppendRequest> Records => records;

        /// <summary>Each record's shard, as routed by <see cref="RoutedWith"/>; the writer routes again after a reshard.</summary>
        public int[] Shards { get; set; } = shards;

        public ShardMap RoutedWith { get; set; } = routedWith;

        /// <summary>Not an append but a reshard (no records), which the writer applies between commits.</summary>
        public ReshardRequest? Reshard { get; init; }

        public AppendResult[] Results { get; } = new AppendResult[records.Count];

        public TaskCompletionSource<AppendResult[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The stream could not commit {Count} records; they were refused")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The stream's writer stopped: no record can be appended until the server restarts")]
    private static partial void LogWriterStopped(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention trimmed {Count} records")]
    private static partial void LogTrimmed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention could not trim the stream")]
    private static partial void LogTrimFailed(ILogger logger, Exception exception);
}
