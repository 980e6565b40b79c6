using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Game.Server.Ingest.Kinesis;

/// <summary>
/// SplitShard, MergeShards and UpdateShardCount (UNIFORM_SCALING) on the embedded stream. Each answers at once, as
/// Kinesis does; the stream is UPDATING until the stream's writer has applied the change (between two commits,
/// usually within milliseconds), and a second reshard meanwhile is ResourceInUseException.
/// </summary>
public sealed partial class KinesisOperations
{
    private void SplitShard(KinesisRequest request)
    {
        var shardId = request.String("ShardToSplit");
        var newStart = request.String("NewStartingHashKey");
        request.Required(shardId, "shardToSplit");
        request.Length(shardId, "shardToSplit", 1, 128);
        request.Required(newStart, "newStartingHashKey");
        request.Pattern(newStart, "newStartingHashKey", IsHashKeySyntax, "0|([1-9]\\d{0,38})");
        var stream = ResolveStream(request);
        Reshard(request, stream, map =>
        {
            var shard = OpenShard(map, shardId!, stream);
            var key = BigInteger.Parse(newStart!, CultureInfo.InvariantCulture);
            if (key <= shard.StartingHashKey + 1 || key >= shard.EndingHashKey)
            {
                throw KinesisException.InvalidArgument(
                    $"NewStartingHashKey {newStart} used in SplitShard() on shard {shardId} in stream {stream.Name} under account {AccountId} is not both greater than one plus the shard's StartingHashKey {shard.StartingHashKey} and less than the shard's EndingHashKey {shard.EndingHashKey}.");
            }

            RefuseOverQuota(request, stream, 1);
            return (current, last, now) => current.Split(shard.Id, key, last(shard.Id), now);
        });
    }

    private void MergeShards(KinesisRequest request)
    {
        var shardId = request.String("ShardToMerge");
        var adjacentId = request.String("AdjacentShardToMerge");
        request.Required(shardId, "shardToMerge");
        request.Length(shardId, "shardToMerge", 1, 128);
        request.Required(adjacentId, "adjacentShardToMerge");
        request.Length(adjacentId, "adjacentShardToMerge", 1, 128);
        var stream = ResolveStream(request);
        Reshard(request, stream, map =>
        {
            var shard = OpenShard(map, shardId!, stream);
            var adjacent = OpenShard(map, adjacentId!, stream);
            if (!map.AreAdjacent(shard.Id, adjacent.Id))
            {
                throw KinesisException.InvalidArgument(
                    $"Shards {shardId} and {adjacentId} in stream {stream.Name} under account {AccountId} are not an adjacent pair of shards eligible for merging");
            }

            return (current, last, now) => current.Merge(shard.Id, adjacent.Id, last(shard.Id), last(adjacent.Id), now);
        });
    }

    private void UpdateShardCount(KinesisRequest request, Utf8JsonWriter writer)
    {
        var target = request.Int("TargetShardCount");
        var scaling = request.String("ScalingType");
        request.Required(target, "targetShardCount");
        request.Range(target, "targetShardCount", 1, 100_000);
        request.Required(scaling, "scalingType");
        if (scaling is not null and not "UNIFORM_SCALING")
        {
            request.Fail(scaling, "scalingType", "Member must satisfy enum value set: [UNIFORM_SCALING]");
        }

        var stream = ResolveStream(request);
        var open = 0;
        Reshard(request, stream, map =>
        {
            open = map.OpenShardCount;
            // Kinesis scales by at most double, and at least half, per call.
            if (target > 2 * open || target < (open + 1) / 2)
            {
                throw new KinesisException("LimitExceededException",
                    $"UpdateShardCount can scale stream {stream.Name} under account {AccountId} from {open} shards to between {(open + 1) / 2} and {2 * open} shards per call; requested {target}.");
            }

            RefuseOverQuota(request, stream, target!.Value - open);
            return (current, last, now) => current.ScaleUniformly(target.Value, last, now);
        });

        writer.WriteString("StreamName", stream.Name);
        writer.WriteNumber("CurrentShardCount", open);
        writer.WriteNumber("TargetShardCount", target!.Value);
        writer.WriteString("StreamARN", Arn(stream, request.Region));
    }

    /// <summary>
    /// Claims the stream, checks the request against its map (<paramref name="plan"/> throws Kinesis' error, or
    /// answers the change) and queues the change. Nothing changes when the claim or a check fails.
    /// </summary>
    private static void Reshard(KinesisRequest request, StreamEntry stream, Func<ShardMap, ShardMapChange> plan)
    {
        if (stream.Mode == StreamMode.ON_DEMAND)
        {
            throw KinesisException.InvalidArgument($"{request.Operation} is not supported for stream {stream.Name} under account {AccountId}: its capacity mode is ON_DEMAND.");
        }

        if (!stream.Stream.TryBeginReshard())
        {
            throw new KinesisException("ResourceInUseException", $"Stream {stream.Name} under account {AccountId} not ACTIVE, instead in state UPDATING");
        }

        ShardMapChange change;
        try
        {
            change = plan(stream.Stream.Map);
        }
        catch
        {
            stream.Stream.CancelReshard();
            throw;
        }

        // Not awaited: Kinesis answers at once and is UPDATING meanwhile. A failure is logged by the stream, which
        // stays as it was and ACTIVE.
        _ = stream.Stream.ReshardAsync(change);
    }

    private static ShardRange OpenShard(ShardMap map, string shardId, StreamEntry stream)
    {
        if (!ShardMap.TryParseShardId(shardId, out var id) || id >= map.ShardCount || ShardMap.ShardId(id) != shardId)
        {
            throw KinesisException.ResourceNotFound($"Could not find shard {shardId} in stream {stream.Name} under account {AccountId}.");
        }

        return map[id].IsOpen
            ? map[id]
            : throw new KinesisException("ResourceInUseException", $"Shard {shardId} in stream {stream.Name} under account {AccountId} is closed: only open shards can be resharded.");
    }

    private void RefuseOverQuota(KinesisRequest request, StreamEntry stream, int added)
    {
        var open = _streams.OpenShardCount;
        if (added > 0 && open + added > IngestStreams.MaxOpenShards)
        {
            throw new KinesisException("LimitExceededException",
                $"This request would exceed the shard limit for the account {AccountId} in {request.Region}. Current shard count for the account: {open}. Limit: {IngestStreams.MaxOpenShards}. Number of additional shards that would have resulted from this request: {added}.");
        }

        if (stream.Stream.Map.ShardCount + 2 * Math.Max(added, 1) + stream.Stream.Map.OpenShardCount > IngestStream.MaxShardIds)
        {
            throw new KinesisException("LimitExceededException", $"Stream {stream.Name} has used up its {IngestStream.MaxShardIds} shard ids.");
        }
    }
}
