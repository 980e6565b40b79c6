using System.Globalization;
using System.Text.Json;

namespace Game.Server.Ingest.Kinesis;

/// <summary>ListShards (with its ShardFilter), and a shard as DescribeStream and ListShards describe it.</summary>
public sealed partial class KinesisOperations
{
    private static readonly string[] ShardFilterTypes = ["AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST", "AT_TIMESTAMP", "FROM_TIMESTAMP"];

    private void ListShards(KinesisRequest request, Utf8JsonWriter writer)
    {
        var streamName = request.String("StreamName");
        var streamArn = request.String("StreamARN");
        var nextToken = request.String("NextToken");
        var exclusiveStart = request.String("ExclusiveStartShardId");
        var maxResults = request.Int("MaxResults");
        var filter = request.Object("ShardFilter");
        var filterType = filter is { } f ? KinesisRequest.String(f, "Type") : null;
        var filterShardId = filter is { } g ? KinesisRequest.String(g, "ShardId") : null;
        var filterTimestamp = filter is { } h ? KinesisRequest.Number(h, "Timestamp") : null;
        request.Number("StreamCreationTimestamp");
        request.Range(maxResults, "maxResults", 1, 10_000);
        request.Length(nextToken, "nextToken", 1, 1048576);
        request.Length(exclusiveStart, "exclusiveStartShardId", 1, 128);
        if (filter is not null)
        {
            request.Required(filterType, "shardFilter.type");
            if (filterType is not null && !ShardFilterTypes.Contains(filterType))
            {
                request.Fail(filterType, "shardFilter.type", $"Member must satisfy enum value set: [{string.Join(", ", ShardFilterTypes)}]");
            }

            request.Length(filterShardId, "shardFilter.shardId", 1, 128);
        }

        request.ThrowIfInvalid();

        StreamEntry stream;
        ShardListing listing;
        if (nextToken is not null)
        {
            if (streamName is not null || streamArn is not null)
            {
                throw KinesisException.InvalidArgument("NextToken and StreamName cannot be provided together.");
            }

            if (exclusiveStart is not null || filter is not null)
            {
                throw KinesisException.InvalidArgument("NextToken cannot be provided together with ExclusiveStartShardId or ShardFilter.");
            }

            // The token says which stream, which filter and where the listing resumes; forging one reveals nothing.
            (stream, listing) = ShardListing.Parse(DecodeToken(nextToken), _streams) ?? throw KinesisException.InvalidArgument("Invalid NextToken.");
        }
        else
        {
            if (streamName is null && streamArn is null)
            {
                throw KinesisException.InvalidArgument("Either NextToken or StreamName should be provided.");
            }

            stream = ResolveStream(request);
            listing = NewListing(filterType, filterShardId, filterTimestamp, exclusiveStart, stream);
        }

        var shards = Filter(stream, listing).ToList();
        var page = shards.Take(maxResults ?? 1000).ToList();
        writer.WriteStartArray("Shards");
        foreach (var shard in page)
        {
            WriteShard(writer, shard);
        }

        writer.WriteEndArray();
        if (page.Count < shards.Count)
        {
            writer.WriteString("NextToken", EncodeToken(listing with { AfterShard = page[^1].Id }, stream));
        }
    }

    private ShardListing NewListing(string? type, string? shardId, double? timestamp, string? exclusiveStart, StreamEntry stream)
    {
        // In long: the shard after shardId-2147483647 must not wrap around to a negative one; an id that is not
        // ours lists from the first shard whose id sorts after it.
        var after = exclusiveStart is null ? -1L : AfterShardId(exclusiveStart, stream);
        switch (type)
        {
            case "AFTER_SHARD_ID":
                if (shardId is null)
                {
                    throw KinesisException.InvalidArgument("ShardFilter of type AFTER_SHARD_ID requires a ShardId.");
                }

                after = Math.Max(after, AfterShardId(shardId, stream));
                break;
            case "AT_TIMESTAMP" or "FROM_TIMESTAMP" when timestamp is null:
                throw KinesisException.InvalidArgument($"ShardFilter of type {type} requires a Timestamp.");
            case "AT_TIMESTAMP" or "FROM_TIMESTAMP" when !double.IsFinite(timestamp!.Value) || timestamp.Value * 1000 < MinUnixMilliseconds || timestamp.Value * 1000 > long.MaxValue:
                throw KinesisException.InvalidArgument($"The ShardFilter's Timestamp must be a time after the year 1; got {timestamp.Value.ToString(CultureInfo.InvariantCulture)} seconds.");
        }

        if (shardId is not null && type != "AFTER_SHARD_ID")
        {
            throw KinesisException.InvalidArgument($"ShardFilter's ShardId can only be used with type AFTER_SHARD_ID, not {type}.");
        }

        if (timestamp is not null && type is not ("AT_TIMESTAMP" or "FROM_TIMESTAMP"))
        {
            throw KinesisException.InvalidArgument($"ShardFilter's Timestamp can only be used with type AT_TIMESTAMP or FROM_TIMESTAMP, not {type}.");
        }

        var millis = timestamp is { } seconds ? (long)Math.Round(seconds * 1000) : 0;
        return new ShardListing(type ?? "FROM_TRIM_HORIZON", millis, (int)Math.Min(after, int.MaxValue));
    }

    /// <summary>The shard id an exclusive start names, or, for one that is not ours, the last of ours that sorts before it.</summary>
    private static long AfterShardId(string shardId, StreamEntry stream)
    {
        if (ShardMap.TryParseShardId(shardId, out var id) && ShardMap.ShardId(id) == shardId)
        {
            return id;
        }

        return stream.Stream.Map.Shards.Where(s => string.CompareOrdinal(ShardMap.ShardId(s.Id), shardId) <= 0).Select(s => (long)s.Id).DefaultIfEmpty(-1).Max();
    }

    /// <summary>The shards a listing shows, in id order, after where it resumes.</summary>
    private IEnumerable<ShardRange> Filter(StreamEntry stream, ShardListing listing)
    {
        var trimHorizon = _time.GetUtcNow().AddHours(-stream.Stream.RetentionHours);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(listing.TimestampMillis);
        return ListedShards(stream).Where(s => s.Id > listing.AfterShard && listing.Type switch
        {
            "AT_LATEST" => s.IsOpen,
            "AT_TRIM_HORIZON" => (s.CreatedAt ?? DateTimeOffset.MinValue) <= trimHorizon && (s.ClosedAt is null || s.ClosedAt >= trimHorizon),
            "AT_TIMESTAMP" => (s.CreatedAt ?? DateTimeOffset.MinValue) <= at && (s.ClosedAt is null || s.ClosedAt >= at),
            "FROM_TIMESTAMP" => s.ClosedAt is null || s.ClosedAt >= (at > trimHorizon ? at : trimHorizon),
            _ => true,
        });
    }

    /// <summary>Shards a listing may show: open ones, and closed ones until their records have all expired.</summary>
    private IEnumerable<ShardRange> ListedShards(StreamEntry stream)
    {
        var trimHorizon = _time.GetUtcNow().AddHours(-stream.Stream.RetentionHours);
        return stream.Stream.Map.Shards.Where(s => s.ClosedAt is null || s.ClosedAt >= trimHorizon);
    }

    private static void WriteShard(Utf8JsonWriter writer, ShardRange shard)
    {
        writer.WriteStartObject();
        writer.WriteString("ShardId", ShardMap.ShardId(shard.Id));
        if (shard.ParentId is { } parent)
        {
            writer.WriteString("ParentShardId", ShardMap.ShardId(parent));
        }

        if (shard.AdjacentParentId is { } adjacent)
        {
            writer.WriteString("AdjacentParentShardId", ShardMap.ShardId(adjacent));
        }

        writer.WriteStartObject("HashKeyRange");
        writer.WriteString("StartingHashKey", shard.StartingHashKey.ToString(CultureInfo.InvariantCulture));
        writer.WriteString("EndingHashKey", shard.EndingHashKey.ToString(CultureInfo.InvariantCulture));
        writer.WriteEndObject();
        writer.WriteStartObject("SequenceNumberRange");
        writer.WriteString("StartingSequenceNumber", SequenceNumber.Format(shard.Id, 0));
        if (shard.EndingPosition is { } ending)
        {
            writer.WriteString("EndingSequenceNumber", SequenceNumber.Format(shard.Id, ending));
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static string EncodeToken(ShardListing listing, StreamEntry stream) =>
        EncodeToken(string.Join('/', "shards", stream.Name + stream.Incarnation.Replace('/', '@'), listing.Type, listing.TimestampMillis.ToString(CultureInfo.InvariantCulture), listing.AfterShard.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Where a ListShards listing resumes: its filter, and the last shard id it showed.</summary>
    private readonly record struct ShardListing(string Type, long TimestampMillis, int AfterShard)
    {
        public static (StreamEntry Stream, ShardListing Listing)? Parse(string? token, IngestStreams streams)
        {
            var parts = token?.Split('/');
            if (parts is not { Length: 5 } || parts[0] != "shards" || !ShardFilterTypes.Contains(parts[2])
                || !long.TryParse(parts[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var millis)
                || !int.TryParse(parts[4], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var after))
            {
                return null;
            }

            // The stream as it was when the listing began: one deleted and created again since is another stream.
            var stream = streams.All.FirstOrDefault(s => s.Name + s.Incarnation.Replace('/', '@') == parts[1]);
            return stream is null ? null : (stream, new ShardListing(parts[2], millis, after));
        }
    }
}
