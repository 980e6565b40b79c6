using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Game.Server.Ingest.KinesisStream;

// The Kinesis JSON 1.1 shapes this client speaks (Kinesis_20131202). Names are the wire names; byte data travels
// as base64 (System.Text.Json's form for byte arrays and memory); timestamps as epoch seconds with a fraction.

/// <summary>Kinesis' stream statuses (<c>StreamStatus</c>).</summary>
public static class StreamStatus
{
    public const string Creating = "CREATING";
    public const string Deleting = "DELETING";
    public const string Active = "ACTIVE";
    public const string Updating = "UPDATING";
}

/// <summary>Kinesis' iterator types (<c>ShardIteratorType</c>).</summary>
public static class ShardIteratorType
{
    public const string AtSequenceNumber = "AT_SEQUENCE_NUMBER";
    public const string AfterSequenceNumber = "AFTER_SEQUENCE_NUMBER";
    public const string TrimHorizon = "TRIM_HORIZON";
    public const string Latest = "LATEST";
    public const string AtTimestamp = "AT_TIMESTAMP";
}

public sealed record CreateStreamRequest(string StreamName, int ShardCount);

public sealed record DescribeStreamSummaryRequest(string StreamName);

public sealed record DescribeStreamSummaryResponse(StreamDescriptionSummary StreamDescriptionSummary);

public sealed record StreamDescriptionSummary(
    string StreamName,
    string? StreamARN,
    string StreamStatus,
    int OpenShardCount,
    int RetentionPeriodHours,
    [property: JsonConverter(typeof(EpochSecondsConverter))] DateTimeOffset? StreamCreationTimestamp);

/// <summary>Either <see cref="StreamName"/> (first page) or <see cref="NextToken"/> (the pages after it): Kinesis refuses both together.</summary>
public sealed record ListShardsRequest(string? StreamName = null, string? NextToken = null, int? MaxResults = null, string? ExclusiveStartShardId = null);

public sealed record ListShardsResponse(IReadOnlyList<Shard> Shards, string? NextToken);

public sealed record Shard(
    string ShardId,
    string? ParentShardId,
    string? AdjacentParentShardId,
    HashKeyRange HashKeyRange,
    SequenceNumberRange SequenceNumberRange);

public sealed record HashKeyRange(string StartingHashKey, string EndingHashKey);

/// <summary><see cref="EndingSequenceNumber"/> is set once the shard is closed (split or merged away).</summary>
public sealed record SequenceNumberRange(string StartingSequenceNumber, string? EndingSequenceNumber);

public sealed record PutRecordsRequest(string StreamName, IReadOnlyList<PutRecordsRequestEntry> Records);

public sealed record PutRecordsRequestEntry(ReadOnlyMemory<byte> Data, string PartitionKey, string? ExplicitHashKey = null);

/// <summary><see cref="Records"/> answer in request order; one failed record does not fail the others.</summary>
public sealed record PutRecordsResponse(int FailedRecordCount, IReadOnlyList<PutRecordsResultEntry> Records);

/// <summary>A stored record (<see cref="SequenceNumber"/>, <see cref="ShardId"/>) or a refused one (<see cref="ErrorCode"/>).</summary>
public sealed record PutRecordsResultEntry(string? SequenceNumber, string? ShardId, string? ErrorCode, string? ErrorMessage);

/// <summary>Closes <see cref="ShardToSplit"/> and opens two children: hash keys below <see cref="NewStartingHashKey"/> go to the first (decimal, like every hash key).</summary>
public sealed record SplitShardRequest(string StreamName, string ShardToSplit, string NewStartingHashKey);

/// <summary>Closes two shards with adjacent hash-key ranges and opens one child covering both.</summary>
public sealed record MergeShardsRequest(string StreamName, string ShardToMerge, string AdjacentShardToMerge);

public sealed record GetShardIteratorRequest(
    string StreamName,
    string ShardId,
    string ShardIteratorType,
    string? StartingSequenceNumber = null,
    [property: JsonConverter(typeof(EpochSecondsConverter))] DateTimeOffset? Timestamp = null);

public sealed record GetShardIteratorResponse(string ShardIterator);

public sealed record GetRecordsRequest(string ShardIterator, int? Limit = null);

/// <summary><see cref="NextShardIterator"/> is null once a closed shard has been read to its end.</summary>
public sealed record GetRecordsResponse(IReadOnlyList<KinesisRecord> Records, string? NextShardIterator, long? MillisBehindLatest, IReadOnlyList<ChildShard>? ChildShards);

public sealed record KinesisRecord(
    string SequenceNumber,
    [property: JsonConverter(typeof(EpochSecondsConverter))] DateTimeOffset? ApproximateArrivalTimestamp,
    byte[] Data,
    string PartitionKey);

public sealed record ChildShard(string ShardId, IReadOnlyList<string> ParentShards, HashKeyRange HashKeyRange);

/// <summary>An error answer: <c>{"__type": "...", "message": "..."}</c>; some services spell it <c>Message</c>.</summary>
public sealed record KinesisErrorBody(
    [property: JsonPropertyName("__type")] string? Type,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("Message")] string? CapitalMessage);

/// <summary>Kinesis' timestamps: seconds since the epoch, with milliseconds as a fraction.</summary>
public sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset?>
{
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.Number => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(reader.GetDouble() * 1000)),
        // Some emulators answer ISO 8601 text.
        JsonTokenType.String => DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture),
        _ => throw new JsonException($"Expected a timestamp, found {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is { } time)
        {
            writer.WriteNumberValue(time.ToUnixTimeMilliseconds() / 1000.0);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(CreateStreamRequest))]
[JsonSerializable(typeof(DescribeStreamSummaryRequest))]
[JsonSerializable(typeof(DescribeStreamSummaryResponse))]
[JsonSerializable(typeof(ListShardsRequest))]
[JsonSerializable(typeof(ListShardsResponse))]
[JsonSerializable(typeof(PutRecordsRequest))]
[JsonSerializable(typeof(PutRecordsResponse))]
[JsonSerializable(typeof(SplitShardRequest))]
[JsonSerializable(typeof(MergeShardsRequest))]
[JsonSerializable(typeof(GetShardIteratorRequest))]
[JsonSerializable(typeof(GetShardIteratorResponse))]
[JsonSerializable(typeof(GetRecordsRequest))]
[JsonSerializable(typeof(GetRecordsResponse))]
[JsonSerializable(typeof(KinesisErrorBody))]
internal sealed partial class KinesisJsonContext : JsonSerializerContext;
