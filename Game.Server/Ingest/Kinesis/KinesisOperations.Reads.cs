using System.Globalization;
using System.Text.Json;

namespace Game.Server.Ingest.Kinesis;

/// <summary>GetShardIterator and GetRecords: where a reader starts, and what it reads from there.</summary>
public sealed partial class KinesisOperations
{
    private void GetShardIterator(KinesisRequest request, Utf8JsonWriter writer)
    {
        var shardId = request.String("ShardId");
        var type = request.String("ShardIteratorType");
        var startingSequenceNumber = request.String("StartingSequenceNumber");
        var timestamp = request.Number("Timestamp");
        request.Required(shardId, "shardId");
        request.Length(shardId, "shardId", 1, 128);
        request.Required(type, "shardIteratorType");
        if (type is not null && !IteratorTypes.Contains(type))
        {
            request.Fail(type, "shardIteratorType", $"Member must satisfy enum value set: [{string.Join(", ", IteratorTypes)}]");
        }

        request.Pattern(startingSequenceNumber, "startingSequenceNumber", SequenceNumber.IsWellFormed, "0|([1-9]\\d{0,128})");
        var entry = ResolveStream(request);
        var stream = entry.Stream;

        if (!ShardMap.TryParseShardId(shardId!, out var shard) || shard >= stream.Map.ShardCount)
        {
            throw KinesisException.ResourceNotFound($"Shard {shardId} in stream {stream.Name} under account {AccountId} does not exist");
        }

        var now = _time.GetUtcNow();
        var after = StartingPosition(request.Operation, stream, shard, shardId!, type!, startingSequenceNumber, timestamp, now);
        writer.WriteString("ShardIterator", Iterators(entry).Encode(new ShardIterator(shard, after, now)));
    }

    private void GetRecords(KinesisRequest request, Utf8JsonWriter writer)
    {
        var value = request.String("ShardIterator");
        var limit = request.Int("Limit");
        var streamArn = request.String("StreamARN");
        request.Required(value, "shardIterator");
        request.Length(value, "shardIterator", 1, 512);
        request.Range(limit, "limit", 1, MaxGetRecordsLimit);
        request.ThrowIfInvalid();
        var named = streamArn is null ? null : ResolveStream(request);

        var now = _time.GetUtcNow();
        var (entry, iterator, codec) = DecodeIterator(value!, now, named);
        var stream = entry.Stream;
        if (named is not null && named != entry)
        {
            throw KinesisException.InvalidArgument($"The shard iterator is not one of stream {named.Name}'s (StreamARN {streamArn}).");
        }

        if (iterator.Shard >= stream.Map.ShardCount)
        {
            throw KinesisException.ResourceNotFound($"Shard {ShardMap.ShardId(iterator.Shard)} in stream {stream.Name} under account {AccountId} does not exist");
        }

        var records = stream.Read(iterator.Shard, iterator.AfterPosition, limit ?? MaxGetRecordsLimit, MaxGetRecordsBytes);
        var next = iterator.AfterPosition;
        writer.WriteStartArray("Records");
        foreach (var record in records)
        {
            writer.WriteStartObject();
            writer.WriteString("SequenceNumber", record.SequenceNumber);
            writer.WriteNumber("ApproximateArrivalTimestamp", EpochSeconds(record.ArrivalTime));
            writer.WriteBase64String("Data", record.Data);
            writer.WriteString("PartitionKey", record.PartitionKey);
            writer.WriteEndObject();
            SequenceNumber.TryParse(record.SequenceNumber, out _, out next);
        }

        writer.WriteEndArray();
        if (stream.IsShardEnded(iterator.Shard, next))
        {
            // SHARD_END: no iterator, and the shards that continue this one (Kinesis answers them only here).
            WriteChildShards(writer, stream.Map, iterator.Shard);
        }
        else
        {
            writer.WriteString("NextShardIterator", codec.Encode(new ShardIterator(iterator.Shard, next, now)));
        }

        // Behind by the age of the last record read, unless it was the newest one.
        var behind = records.Count == 0 || next >= stream.LatestPosition(iterator.Shard)
            ? 0
            : Math.Max(0, (long)(now - records[^1].ArrivalTime).TotalMilliseconds);
        writer.WriteNumber("MillisBehindLatest", behind);
    }

    /// <summary>
    /// The position a reader of <paramref name="shard"/> starts after, by Kinesis' starting position types: shared by
    /// GetShardIterator and SubscribeToShard, which answer the same errors for the same mistakes.
    /// </summary>
    private static long StartingPosition(string operation, IngestStream stream, int shard, string shardId, string type, string? startingSequenceNumber, double? timestamp, DateTimeOffset now)
    {
        var withSequence = type is "AT_SEQUENCE_NUMBER" or "AFTER_SEQUENCE_NUMBER";
        if (withSequence != (startingSequenceNumber is not null))
        {
            throw KinesisException.InvalidArgument(
                "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
                + $"Request specified {type} and {(startingSequenceNumber is null ? "no" : "also a")} StartingSequenceNumber.");
        }

        long after;
        switch (type)
        {
            case "TRIM_HORIZON":
                after = stream.TrimHorizon(shard);
                break;
            case "LATEST":
                after = stream.LatestPosition(shard);
                break;
            case "AT_TIMESTAMP":
                if (timestamp is null)
                {
                    throw KinesisException.InvalidArgument("Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.");
                }

                // Compared as a double first: a timestamp beyond what a date can hold (-1e15 s) is no time at all.
                if (!double.IsFinite(timestamp.Value) || timestamp.Value * 1000 < MinUnixMilliseconds)
                {
                    throw KinesisException.InvalidArgument(
                        $"The timestampInMillis parameter must be a time after the year 1; got {timestamp.Value.ToString(CultureInfo.InvariantCulture)} seconds.");
                }

                var millis = timestamp.Value * 1000 >= long.MaxValue ? long.MaxValue : (long)Math.Round(timestamp.Value * 1000);
                if (millis > now.ToUnixTimeMilliseconds())
                {
                    throw KinesisException.InvalidArgument(
                        $"The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: {millis}, currentTimestampInMillis: {now.ToUnixTimeMilliseconds()}");
                }

                after = stream.PositionBefore(shard, DateTimeOffset.FromUnixTimeMilliseconds(millis));
                break;
            default:
                if (!SequenceNumber.TryParse(startingSequenceNumber, out var sequenceShard, out var position))
                {
                    throw KinesisException.InvalidArgument(
                        $"StartingSequenceNumber {startingSequenceNumber} used in {operation} on shard {shardId} in stream {stream.Name} under account {AccountId} is invalid.");
                }

                if (sequenceShard != shard)
                {
                    throw KinesisException.InvalidArgument(
                        $"Invalid StartingSequenceNumber. It encodes {ShardMap.ShardId(sequenceShard)}, while it was used in a call to a shard with {shardId}");
                }

                after = type == "AT_SEQUENCE_NUMBER" ? Math.Max(0, position - 1) : position;
                break;
        }

        return after;
    }

    /// <summary>
    /// The stream an iterator belongs to: its MAC is keyed per stream, so the one whose key verifies it issued it
    /// (the stream the request names first, then the primary, then the others).
    /// </summary>
    private (StreamEntry Stream, ShardIterator Iterator, ShardIteratorCodec Codec) DecodeIterator(string value, DateTimeOffset now, StreamEntry? named)
    {
        IEnumerable<StreamEntry> candidates = [.. named is null ? [] : new[] { named }, _streams.Primary, .. _streams.All.Where(s => !s.IsPrimary && s != named)];
        foreach (var entry in candidates)
        {
            var codec = Iterators(entry);
            switch (codec.TryDecode(value, now, out var iterator))
            {
                case ShardIteratorError.None:
                    return (entry, iterator, codec);
                case ShardIteratorError.Expired:
                    throw new KinesisException("ExpiredIteratorException",
                        $"Iterator expired. The iterator was created at time {AmzTime(iterator.IssuedAt)} while right now it is {AmzTime(now)} which is further in the future than the tolerated delay of {(long)codec.Lifetime.TotalMilliseconds} milliseconds.");
            }
        }

        throw KinesisException.InvalidArgument("Invalid ShardIterator.");
    }

    internal static void WriteChildShards(Utf8JsonWriter writer, ShardMap map, int shard)
    {
        writer.WriteStartArray("ChildShards");
        foreach (var child in map.ChildrenOf(shard))
        {
            writer.WriteStartObject();
            writer.WriteString("ShardId", ShardMap.ShardId(child.Id));
            writer.WriteStartArray("ParentShards");
            foreach (var parent in new[] { child.ParentId, child.AdjacentParentId }.OfType<int>())
            {
                writer.WriteStringValue(ShardMap.ShardId(parent));
            }

            writer.WriteEndArray();
            writer.WriteStartObject("HashKeyRange");
            writer.WriteString("StartingHashKey", child.StartingHashKey.ToString(CultureInfo.InvariantCulture));
            writer.WriteString("EndingHashKey", child.EndingHashKey.ToString(CultureInfo.InvariantCulture));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
