using System.Text;
using System.Text.Json;

namespace Game.Server.Ingest.Kinesis;

/// <summary>Streams: listing, describing, creating, deleting, and their retention.</summary>
public sealed partial class KinesisOperations
{
    /// <summary>Kinesis' retention bounds over the API: 24 hours to 365 days.</summary>
    public const int MinRetentionHours = 24;

    public const int MaxRetentionHours = 8760;

    /// <summary>The shards an on-demand stream starts with, as Kinesis' do.</summary>
    public const int OnDemandShardCount = 4;

    private void ListStreams(KinesisRequest request, Utf8JsonWriter writer)
    {
        var limit = request.Int("Limit");
        var exclusiveStart = request.String("ExclusiveStartStreamName");
        var nextToken = request.String("NextToken");
        request.Range(limit, "limit", 1, 10_000);
        ValidateStreamName(request, exclusiveStart, "exclusiveStartStreamName");
        request.Length(nextToken, "nextToken", 1, 1_048_576);
        request.ThrowIfInvalid();
        if (nextToken is not null)
        {
            if (exclusiveStart is not null)
            {
                throw KinesisException.InvalidArgument("NextToken and ExclusiveStartStreamName cannot be provided together.");
            }

            // The token is the last name listed; forging one reveals nothing.
            exclusiveStart = DecodeToken(nextToken) is { } after && after.StartsWith("streams/", StringComparison.Ordinal)
                ? after["streams/".Length..]
                : throw KinesisException.InvalidArgument("Invalid NextToken.");
        }

        var all = _streams.All.Where(s => exclusiveStart is null || string.CompareOrdinal(s.Name, exclusiveStart) > 0).ToList();
        var listed = all.Take(limit ?? 100).ToList();
        var more = listed.Count < all.Count;
        writer.WriteStartArray("StreamNames");
        foreach (var stream in listed)
        {
            writer.WriteStringValue(stream.Name);
        }

        writer.WriteEndArray();
        writer.WriteBoolean("HasMoreStreams", more);
        writer.WriteStartArray("StreamSummaries");
        foreach (var stream in listed)
        {
            writer.WriteStartObject();
            writer.WriteString("StreamName", stream.Name);
            writer.WriteString("StreamARN", Arn(stream, request.Region));
            writer.WriteString("StreamStatus", Status(stream));
            WriteStreamMode(writer, stream);
            writer.WriteNumber("StreamCreationTimestamp", EpochSeconds(stream.CreatedAt));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (more)
        {
            writer.WriteString("NextToken", EncodeToken("streams/" + listed[^1].Name));
        }
    }

    private void DescribeStreamSummary(KinesisRequest request, Utf8JsonWriter writer)
    {
        var stream = ResolveStream(request);
        writer.WriteStartObject("StreamDescriptionSummary");
        writer.WriteString("StreamName", stream.Name);
        writer.WriteString("StreamARN", Arn(stream, request.Region));
        writer.WriteString("StreamStatus", Status(stream));
        WriteStreamMode(writer, stream);
        writer.WriteNumber("RetentionPeriodHours", stream.Stream.RetentionHours);
        writer.WriteNumber("StreamCreationTimestamp", EpochSeconds(stream.CreatedAt));
        WriteEnhancedMonitoring(writer);
        writer.WriteString("EncryptionType", "NONE");
        writer.WriteNumber("OpenShardCount", stream.Stream.Map.OpenShardCount);
        writer.WriteNumber("ConsumerCount", ConsumersOf(stream, _time.GetUtcNow()).Count);
        writer.WriteEndObject();
    }

    /// <summary>The stream with a page of its shards (KCL 1.x and many tools still call it); <c>Limit</c> 1–10,000, default 100.</summary>
    private void DescribeStream(KinesisRequest request, Utf8JsonWriter writer)
    {
        var limit = request.Int("Limit");
        var exclusiveStart = request.String("ExclusiveStartShardId");
        request.Range(limit, "limit", 1, 10_000);
        request.Length(exclusiveStart, "exclusiveStartShardId", 1, 128);
        request.Pattern(exclusiveStart, "exclusiveStartShardId", IsStreamName, "[a-zA-Z0-9_.-]+");
        var stream = ResolveStream(request);

        var shards = ListedShards(stream)
            .Where(s => exclusiveStart is null || string.CompareOrdinal(ShardMap.ShardId(s.Id), exclusiveStart) > 0)
            .ToList();
        var page = shards.Take(limit ?? 100).ToList();
        writer.WriteStartObject("StreamDescription");
        writer.WriteString("StreamName", stream.Name);
        writer.WriteString("StreamARN", Arn(stream, request.Region));
        writer.WriteString("StreamStatus", Status(stream));
        WriteStreamMode(writer, stream);
        writer.WriteStartArray("Shards");
        foreach (var shard in page)
        {
            WriteShard(writer, shard);
        }

        writer.WriteEndArray();
        writer.WriteBoolean("HasMoreShards", page.Count < shards.Count);
        writer.WriteNumber("RetentionPeriodHours", stream.Stream.RetentionHours);
        writer.WriteNumber("StreamCreationTimestamp", EpochSeconds(stream.CreatedAt));
        WriteEnhancedMonitoring(writer);
        writer.WriteString("EncryptionType", "NONE");
        writer.WriteEndObject();
    }

    /// <summary>
    /// A stream of its own name, mode and shards. It is ACTIVE once the call answers (Kinesis answers at once and
    /// is CREATING for a while). Tags may come with it.
    /// </summary>
    private void CreateStream(KinesisRequest request)
    {
        var name = request.String("StreamName");
        var shardCount = request.Int("ShardCount");
        var modeDetails = request.Object("StreamModeDetails");
        var modeName = modeDetails is { } details ? KinesisRequest.String(details, "StreamMode") : null;
        var tags = request.StringMap("Tags");
        request.Required(name, "streamName");
        ValidateStreamName(request, name);
        request.Range(shardCount, "shardCount", 1, int.MaxValue);
        if (modeDetails is not null)
        {
            request.Required(modeName, "streamModeDetails.streamMode");
            if (modeName is not null && !Enum.TryParse<StreamMode>(modeName, out _))
            {
                request.Fail(modeName, "streamModeDetails.streamMode", "Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]");
            }
        }

        if (tags is not null)
        {
            ValidateTags(request, tags, "tags", maxEntries: MaxTagsPerStream);
        }

        request.ThrowIfInvalid();
        var mode = modeName is null ? StreamMode.PROVISIONED : Enum.Parse<StreamMode>(modeName);
        if (mode == StreamMode.PROVISIONED && shardCount is null)
        {
            throw KinesisException.InvalidArgument("ShardCount is required for a stream in PROVISIONED mode.");
        }

        if (tags is not null)
        {
            RefuseTagCharacters(tags.SelectMany(t => new[] { t.Key, t.Value }), $"Failed to create stream {name} under account {AccountId}");
        }

        // An on-demand stream starts as Kinesis starts one; a ShardCount sent with it is not used.
        var shards = mode == StreamMode.ON_DEMAND ? OnDemandShardCount : shardCount!.Value;
        StreamEntry? created;
        try
        {
            created = _streams.Create(name!, shards, mode, (tags ?? []).ToDictionary(t => t.Key, t => t.Value));
        }
        catch (StreamLimitException ex)
        {
            throw new KinesisException("LimitExceededException", $"This request would exceed the shard limit for the account {AccountId} in {request.Region}. Current shard count for the account: {ex.Open}. Limit: {IngestStreams.MaxOpenShards}. Number of additional shards that would have resulted from this request: {ex.Requested}.");
        }

        if (created is null)
        {
            throw new KinesisException("ResourceInUseException", $"Stream {name} under account {AccountId} already exists.");
        }
    }

    /// <summary>
    /// Deletes a created stream, its records and its consumers at once (Kinesis: DELETING for a while). A stream with
    /// consumers needs <c>EnforceConsumerDeletion</c>, as on Kinesis. The game's own stream is never deleted.
    /// </summary>
    private async Task DeleteStreamAsync(KinesisRequest request)
    {
        var enforceConsumerDeletion = request.Bool("EnforceConsumerDeletion") ?? false;
        var stream = ResolveStream(request);
        if (stream.IsPrimary)
        {
            throw new KinesisException("ResourceInUseException",
                $"Stream {stream.Name} under account {AccountId} is the stream this server's game reads and writes (Ingest:StreamName); it cannot be deleted.");
        }

        if (!enforceConsumerDeletion && ConsumersOf(stream, _time.GetUtcNow()).Count > 0)
        {
            throw new KinesisException("ResourceInUseException",
                $"Stream {stream.Name} under account {AccountId} has registered consumers: deregister them, or delete with EnforceConsumerDeletion.");
        }

        _subscriptions.EndStream(stream.Name, "ResourceNotFoundException", $"Stream {stream.Name} under account {AccountId} was deleted.");
        if (!await _streams.DeleteAsync(stream))
        {
            throw KinesisException.ResourceNotFound($"Stream {stream.Name} under account {AccountId} not found.");
        }
    }

    private void ChangeRetention(KinesisRequest request, bool increase)
    {
        var hours = request.Int("RetentionPeriodHours");
        request.Required(hours, "retentionPeriodHours");
        // The model's own bounds (a ValidationException); Kinesis' service bounds follow as InvalidArgumentException.
        request.Range(hours, "retentionPeriodHours", 1, MaxRetentionHours);
        var stream = ResolveStream(request);
        var requested = hours!.Value;
        if (requested < MinRetentionHours)
        {
            throw KinesisException.InvalidArgument($"Minimum allowed retention period is {MinRetentionHours} hours. Requested retention period ({requested} hours) is too short.");
        }

        var current = stream.Stream.RetentionHours;
        if (increase && requested < current)
        {
            throw KinesisException.InvalidArgument($"Requested retention period ({requested} hours) for stream {stream.Name} can not be shorter than existing retention period ({current} hours). Use DecreaseRetentionPeriod API.");
        }

        if (!increase && requested > current)
        {
            throw KinesisException.InvalidArgument($"Requested retention period ({requested} hours) for stream {stream.Name} can not be longer than existing retention period ({current} hours). Use IncreaseRetentionPeriod API.");
        }

        _streams.SetRetention(stream, requested);
    }

    private static string Status(StreamEntry stream) => stream.Stream.IsUpdating ? "UPDATING" : "ACTIVE";

    private static void WriteEnhancedMonitoring(Utf8JsonWriter writer)
    {
        writer.WriteStartArray("EnhancedMonitoring");
        writer.WriteStartObject();
        writer.WriteStartArray("ShardLevelMetrics");
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    /// <summary>Opaque pagination tokens: base64 of where the listing resumes. Nothing in one is secret.</summary>
    private static string EncodeToken(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));

    private static string? DecodeToken(string token)
    {
        var buffer = new byte[token.Length];
        return Convert.TryFromBase64String(token, buffer, out var written) ? Encoding.UTF8.GetString(buffer, 0, written) : null;
    }
}
