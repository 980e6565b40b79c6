using Game.Server.Ingest;

namespace Game.Server.EventSources.Sources;

/// <summary>
/// The embedded stream (<see cref="IngestStream"/>) as a shard source: its shards with their lineage (a reshard
/// closes shards and opens children), read by position, with readers woken when a commit makes records durable
/// (no polling) or when their shard closes.
/// </summary>
public sealed class EmbeddedShardSource(IngestStream stream, TimeProvider time) : IShardSource
{
    public string StreamName => stream.Name;

    public Task<IReadOnlyList<SourceShard>> ListShardsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SourceShard>>(stream.Map.Shards
            .Select(shard => new SourceShard(ShardMap.ShardId(shard.Id), new[] { shard.ParentId, shard.AdjacentParentId }.OfType<int>().Select(ShardMap.ShardId).ToList()))
            .ToList());

    public Task<IShardCursor> OpenAsync(string shardId, ShardPosition position, CancellationToken cancellationToken)
    {
        if (!ShardMap.TryParseShardId(shardId, out var shard) || shard >= stream.Map.ShardCount)
        {
            throw new ArgumentException($"Stream '{stream.Name}' has no shard '{shardId}'.", nameof(shardId));
        }

        return Task.FromResult<IShardCursor>(new Cursor(stream, time, shard, position, Resolve(shard, position)));
    }

    /// <summary>The stream position to read after: the sequence number's, else the starting position's, resolved now.</summary>
    private long Resolve(int shard, ShardPosition position)
    {
        // The shard part is not compared: a checkpoint names a position within the lease's own shard.
        if (SequenceNumber.TryParse(position.AfterSequenceNumber, out _, out var after))
        {
            return after;
        }

        // A child shard continues its parents, which were read to their end: it is read from its start, whatever
        // the mapping's starting position (a LATEST start would skip what arrived before its lease was taken).
        if (stream.Map[shard].ParentId is not null && position.Start != StartingPosition.AT_TIMESTAMP)
        {
            return stream.TrimHorizon(shard);
        }

        return position.Start switch
        {
            StartingPosition.LATEST => stream.LatestPosition(shard),
            StartingPosition.AT_TIMESTAMP => stream.PositionBefore(shard, position.Timestamp!.Value),
            _ => stream.TrimHorizon(shard),
        };
    }

    private sealed class Cursor(IngestStream stream, TimeProvider time, int shard, ShardPosition origin, long position) : IShardCursor
    {
        private long _position = position;

        public ShardPosition Position => origin.After(SequenceNumber.Format(shard, _position));

        public async Task<bool> WaitForRecordsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (Readable >= count || Closed)
            {
                return true;
            }

            if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            {
                return false;
            }

            // The deadline runs on the TimeProvider (CancelAfter would run on the system clock).
            using var deadline = timeout == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(timeout, time);
            using var linked = deadline is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            var token = linked?.Token ?? cancellationToken;
            try
            {
                while (Readable < count && !Closed)
                {
                    await stream.WaitForRecordsAsync(shard, stream.LatestPosition(shard), token);
                }

                return true;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        public Task<ShardRead> ReadAsync(int maxRecords, CancellationToken cancellationToken)
        {
            var latest = stream.LatestPosition(shard);
            var records = stream.Read(shard, _position, maxRecords);
            if (records.Count > 0)
            {
                SequenceNumber.TryParse(records[^1].SequenceNumber, out _, out _position);
            }
            else if (latest > _position)
            {
                // Durable records up to `latest` exist, yet none is left after the position: retention trimmed
                // them. Move past the gap, as a Kinesis iterator moves past trimmed records.
                _position = latest;
            }

            return Task.FromResult(Ended
                ? new ShardRead(records, ShardEnded: true, ChildShardIds: stream.Map.ChildrenOf(shard).Select(c => ShardMap.ShardId(c.Id)).ToList())
                : new ShardRead(records));
        }

        private long Readable => stream.LatestPosition(shard) - _position;

        /// <summary>
        /// A reshard closed the shard: every record it will ever hold is durable, so waiting for more is pointless;
        /// what is left is readable now, or the shard has <see cref="Ended"/>.
        /// </summary>
        private bool Closed => !stream.Map[shard].IsOpen;

        /// <summary>The shard was closed by a reshard and every record of it has been read.</summary>
        private bool Ended => stream.IsShardEnded(shard, _position);
    }
}
