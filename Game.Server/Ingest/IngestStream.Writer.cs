using Microsoft.Data.Sqlite;

namespace Game.Server.Ingest;

/// <summary>
/// The stream's one writer: drains every pending append into one transaction per commit (group commit), answers
/// each append once its commit is on disk, and keeps going after a failed commit (its appends are refused).
/// </summary>
public sealed partial class IngestStream
{
    /// <summary>
    /// The writer's statement sizes: one row per statement, bound by index. Measured against the statement per record
    /// it replaced (named parameters, boxed values) and against multi-row statements of 64 and 256 rows
    /// (<c>dotnet run -c Release --project loadtest/Benchmarks -- append-cpu</c>): binding by index took 15–23 % of the
    /// CPU per record off; more rows per statement took nothing more off (64 rows cost as much as the old statement).
    /// </summary>
    internal static readonly int[] RowsPerInsert = [1];

    private async Task WriteLoopAsync(SqliteConnection connection)
    {
        await using var _ = connection;
        using var insert = new RecordInserter(connection, RowsPerInsert);
        using var saveShard = connection.CreateCommand();
        saveShard.CommandText = "INSERT INTO shards (shard, last_position, last_arrival) VALUES ($shard, $position, $arrival) ON CONFLICT (shard) DO UPDATE SET last_position = excluded.last_position, last_arrival = excluded.last_arrival";
        var saveShardParameter = saveShard.Parameters.Add("$shard", SqliteType.Integer);
        var savePositionParameter = saveShard.Parameters.Add("$position", SqliteType.Integer);
        var saveArrivalParameter = saveShard.Parameters.Add("$arrival", SqliteType.Integer);

        var group = new List<PendingAppend>();
        var touched = new bool[Map.ShardCount];
        while (await _queue.Reader.WaitToReadAsync())
        {
            group.Clear();
            var count = 0;
            // A reshard is a group of its own: appends queued before it commit before it, those after it after it.
            while (count < MaxRecordsPerCommit && _queue.Reader.TryPeek(out var next) && (next.Reshard is null || group.Count == 0))
            {
                _queue.Reader.TryRead(out var pending);
                group.Add(pending!);
                count += pending!.Records.Count;
                if (pending.Reshard is not null)
                {
                    break;
                }
            }

            if (group is [{ Reshard: { } reshard }])
            {
                ApplyReshard(connection, reshard);
                touched = new bool[Map.ShardCount];
                continue;
            }

            RouteAgainAfterReshard(group);
            Array.Clear(touched);
            try
            {
                var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                using (var transaction = connection.BeginTransaction())
                {
                    saveShard.Transaction = transaction;
                    foreach (var pending in group)
                    {
                        for (var i = 0; i < pending.Records.Count; i++)
                        {
                            var shard = pending.Shards[i];
                            var position = ++_nextPosition[shard];
                            // Arrival times never go backwards within a shard, so AT_TIMESTAMP can search by them.
                            var arrival = _lastArrival[shard] = Math.Max(_lastArrival[shard], now);
                            insert.Add(shard, position, arrival, pending.Records[i].PartitionKey, pending.Records[i].Data);
                            pending.Results[i] = new AppendResult(ShardMap.ShardId(shard), SequenceNumber.Format(shard, position));
                            touched[shard] = true;
                        }
                    }

                    insert.Flush();
                    for (var shard = 0; shard < touched.Length; shard++)
                    {
                        if (touched[shard])
                        {
                            saveShardParameter.Value = shard;
                            savePositionParameter.Value = _nextPosition[shard];
                            saveArrivalParameter.Value = _lastArrival[shard];
                            saveShard.ExecuteNonQuery();
                        }
                    }

                    transaction.Commit();
                }

                for (var shard = 0; shard < touched.Length; shard++)
                {
                    if (touched[shard])
                    {
                        Volatile.Write(ref _committedPosition[shard], _nextPosition[shard]);
                        Interlocked.Exchange(ref _appended[shard], NewSignal()).TrySetResult();
                    }
                }

                foreach (var pending in group)
                {
                    pending.Completion.TrySetResult(pending.Results);
                }

                Volatile.Write(ref _lastCommitError, null);
            }
            catch (Exception ex)
            {
                // Any failure, not only SQLite's or the disk's: the writer is the only way into the stream, so it
                // refuses this group (the transaction rolled back, nothing of it is visible) and goes on with the
                // next; /health reports the failure until a commit succeeds again.
                insert.Clear();
                LogCommitFailed(_logger, ex, count);
                Volatile.Write(ref _lastCommitError, ex);
                Array.Copy(_committedPosition, _nextPosition, _nextPosition.Length);
                foreach (var pending in group)
                {
                    pending.Completion.TrySetResult(Refused(pending.Shards));
                }
            }
            finally
            {
                Interlocked.Add(ref _pendingRecords, -count);
            }
        }
    }

    private static AppendResult[] Refused(int[] shards) =>
        shards.Select(s => new AppendResult(ShardMap.ShardId(s), null, "InternalFailure", "The stream could not write the record.")).ToArray();

    /// <summary>
    /// The writer's end. Disposal ends it normally; anything else (it cannot prepare its statements, say) means no
    /// append will ever be written again: every waiting append is refused, later ones throw, and /health says why.
    /// </summary>
    private async Task RunWriterAsync(SqliteConnection connection)
    {
        try
        {
            await WriteLoopAsync(connection);
        }
        catch (Exception ex)
        {
            LogWriterStopped(_logger, ex);
            Volatile.Write(ref _writerFailure, ex);
            _queue.Writer.TryComplete(ex);
            while (_queue.Reader.TryRead(out var pending))
            {
                Interlocked.Add(ref _pendingRecords, -pending.Records.Count);
                pending.Completion.TrySetResult(Refused(pending.Shards));
            }
        }
    }

    /// <summary>The writer's state, for /health: null while it writes; otherwise why it does not.</summary>
    public string? WriterProblem => Volatile.Read(ref _writerFailure) is { } stopped
        ? $"The stream's writer stopped: {stopped.Message}"
        : Volatile.Read(ref _lastCommitError) is { } failed
            ? $"The stream's last commit failed (its appends were refused): {failed.Message}"
            : null;
}
