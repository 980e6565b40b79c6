using System.Globalization;
using System.Numerics;
using Microsoft.Data.Sqlite;

namespace Game.Server.Ingest;

/// <summary>
/// A change of the shard map (SplitShard, MergeShards, UpdateShardCount): from the current map, each shard's last
/// position (what a shard closed now ends after) and the time, the new map.
/// </summary>
public delegate ShardMap ShardMapChange(ShardMap current, Func<int, long> lastPosition, DateTimeOffset now);

/// <summary>
/// Resharding. The writer applies a reshard between two commits, so every append queued before it lands in the
/// shards it closes (before their ending positions) and every later one in the new shards; an append routed by the
/// old map but written after the reshard is routed again. The map is saved in the stream's database with the
/// commit, so a restart keeps it (a stream never resharded keeps following <c>Ingest:ShardCount</c>).
/// One reshard at a time, as Kinesis allows: the stream is UPDATING from <see cref="TryBeginReshard"/> until the
/// writer has applied it.
/// </summary>
public sealed partial class IngestStream
{
    /// <summary>Shard ids a stream can ever have: the sequence numbers hold the shard in six digits.</summary>
    public const int MaxShardIds = 999_999;

    /// <summary>Claims the stream for one reshard (status UPDATING); false when one is under way.</summary>
    public bool TryBeginReshard() => Interlocked.CompareExchange(ref _reshardsPending, 1, 0) == 0;

    /// <summary>Gives up a claim from <see cref="TryBeginReshard"/> whose reshard was refused before it was queued.</summary>
    public void CancelReshard() => Volatile.Write(ref _reshardsPending, 0);

    /// <summary>
    /// Queues a reshard claimed by <see cref="TryBeginReshard"/>; completes with the new map once it is durable and
    /// in use (the stream is ACTIVE again), or faults, changing nothing, when the change throws.
    /// </summary>
    public Task<ShardMap> ReshardAsync(ShardMapChange change)
    {
        var reshard = new ReshardRequest(change);
        var pending = new PendingAppend([], [], Map) { Reshard = reshard };
        if (!_queue.Writer.TryWrite(pending))
        {
            CancelReshard();
            throw new ObjectDisposedException(nameof(IngestStream));
        }

        return reshard.Completion.Task;
    }

    /// <summary>True when a shard is closed and nothing is left to read after <paramref name="afterPosition"/>.</summary>
    public bool IsShardEnded(int shard, long afterPosition) =>
        Map[shard] is { IsOpen: false, EndingPosition: { } ending } && afterPosition >= ending;

    private void ApplyReshard(SqliteConnection connection, ReshardRequest reshard)
    {
        try
        {
            var current = _map;
            var committed = _committedPosition;
            // In whole milliseconds, as the map is stored: the map in use equals the one a restart reads back.
            var now = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
            var next = reshard.Change(current, id => id < committed.Length ? committed[id] : 0, now);
            if (next.ShardCount > MaxShardIds)
            {
                throw new InvalidOperationException($"A stream has at most {MaxShardIds} shard ids over its life.");
            }

            SaveShardMap(connection, next);
            Grow(next.ShardCount);
            Volatile.Write(ref _map, next);
            // Readers waiting on a shard that just closed are woken: they find it ended.
            foreach (var shard in current.OpenShards.Where(s => !next[s.Id].IsOpen))
            {
                Interlocked.Exchange(ref _appended[shard.Id], NewSignal()).TrySetResult();
            }

            LogResharded(_logger, Name, current.OpenShardCount, next.OpenShardCount, next.ShardCount);
            reshard.Completion.TrySetResult(next);
        }
        catch (Exception ex)
        {
            LogReshardFailed(_logger, ex, Name);
            reshard.Completion.TrySetException(ex);
        }
        finally
        {
            Volatile.Write(ref _reshardsPending, 0);
        }
    }

    /// <summary>Appends routed by a map older than the writer's go to the shards that own their keys now.</summary>
    private void RouteAgainAfterReshard(List<PendingAppend> group)
    {
        var map = _map;
        foreach (var pending in group)
        {
            if (!ReferenceEquals(pending.RoutedWith, map))
            {
                pending.Shards = Route(map, pending.Records);
                pending.RoutedWith = map;
            }
        }
    }

    /// <summary>
    /// The per-shard arrays, grown for new shard ids. Only the writer writes them; readers holding an old array see
    /// the same signals (copied), and a shard id is only known to them from a map published after this.
    /// </summary>
    private void Grow(int shardCount)
    {
        if (shardCount <= _nextPosition.Length)
        {
            return;
        }

        var appended = new TaskCompletionSource[shardCount];
        Array.Copy(_appended, appended, _appended.Length);
        for (var i = _appended.Length; i < shardCount; i++)
        {
            appended[i] = NewSignal();
        }

        Volatile.Write(ref _appended, appended);
        Volatile.Write(ref _committedPosition, Resized(_committedPosition, shardCount));
        Volatile.Write(ref _lastArrival, Resized(_lastArrival, shardCount));
        Volatile.Write(ref _nextPosition, Resized(_nextPosition, shardCount));
    }

    private static long[] Resized(long[] values, int length)
    {
        var resized = new long[length];
        Array.Copy(values, resized, values.Length);
        return resized;
    }

    private static ShardMap? LoadShardMap(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS shard_map (
                shard INTEGER PRIMARY KEY,
                starting_hash_key TEXT NOT NULL,
                ending_hash_key TEXT NOT NULL,
                parent INTEGER,
                adjacent_parent INTEGER,
                created INTEGER,
                closed INTEGER,
                ending_position INTEGER);
            SELECT shard, starting_hash_key, ending_hash_key, parent, adjacent_parent, created, closed, ending_position FROM shard_map ORDER BY shard;
            """;
        using var reader = command.ExecuteReader();
        var shards = new List<ShardRange>();
        while (reader.Read())
        {
            shards.Add(new ShardRange(
                reader.GetInt32(0),
                BigInteger.Parse(reader.GetString(1), CultureInfo.InvariantCulture),
                BigInteger.Parse(reader.GetString(2), CultureInfo.InvariantCulture),
                reader.IsDBNull(3) ? null : reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4),
                reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                reader.IsDBNull(7) ? null : reader.GetInt64(7)));
        }

        return shards.Count == 0 ? null : new ShardMap(shards);
    }

    private static void SaveShardMap(SqliteConnection connection, ShardMap map)
    {
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO shard_map (shard, starting_hash_key, ending_hash_key, parent, adjacent_parent, created, closed, ending_position)
            VALUES ($shard, $start, $end, $parent, $adjacent, $created, $closed, $ending)
            ON CONFLICT (shard) DO UPDATE SET closed = excluded.closed, ending_position = excluded.ending_position
            """;
        var parameters = new[] { "$shard", "$start", "$end", "$parent", "$adjacent", "$created", "$closed", "$ending" }
            .Select(name => command.Parameters.Add(name, SqliteType.Text)).ToArray();
        foreach (var shard in map.Shards)
        {
            object?[] values =
            [
                shard.Id, shard.StartingHashKey.ToString(CultureInfo.InvariantCulture), shard.EndingHashKey.ToString(CultureInfo.InvariantCulture),
                shard.ParentId, shard.AdjacentParentId, shard.CreatedAt?.ToUnixTimeMilliseconds(), shard.ClosedAt?.ToUnixTimeMilliseconds(), shard.EndingPosition,
            ];
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].SqliteType = values[i] is string ? SqliteType.Text : SqliteType.Integer;
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private sealed class ReshardRequest(ShardMapChange change)
    {
        public ShardMapChange Change => change;

        public TaskCompletionSource<ShardMap> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Name} resharded: {OpenBefore} open shards before, {OpenAfter} after ({ShardIds} shard ids)")]
    private static partial void LogResharded(ILogger logger, string name, int openBefore, int openAfter, int shardIds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream {Name} could not reshard; its shards are as they were")]
    private static partial void LogReshardFailed(ILogger logger, Exception exception, string name);
}
