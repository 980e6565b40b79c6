using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Game.Server.Ingest.Kinesis;

/// <summary>
/// The Kinesis operations over the embedded stream, request JSON in, response JSON out. Every request is
/// validated completely before the stream is touched, so a refused request changes nothing.
/// </summary>
public sealed partial class KinesisOperations
{
    /// <summary>The account id in ARNs and messages; there is no account here.</summary>
    public const string AccountId = "000000000000";

    /// <summary>Kinesis' per-call read limits for GetRecords.</summary>
    public const int MaxGetRecordsLimit = 10_000;

    public const long MaxGetRecordsBytes = 10 * 1024 * 1024;

    public const int MaxPutRecordsCount = 500;

    public const int MaxPartitionKeyLength = 256;

    private static readonly long MinUnixMilliseconds = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();

    private static readonly string[] IteratorTypes = ["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"];

    private readonly IngestStream _stream;
    private readonly IngestOptions _options;
    private readonly ShardIteratorCodec _iterators;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _createdAt;

    public KinesisOperations(IngestStream stream, IOptions<IngestOptions> options, TimeProvider time)
    {
        _stream = stream;
        _options = options.Value;
        _time = time;
        _iterators = new ShardIteratorCodec(ShardIteratorCodec.DeriveKey(_options.SecretAccessKey, _options.StreamName), TimeSpan.FromSeconds(_options.IteratorLifetimeSeconds));
        // The stream keeps no creation time; the server's start stands in for it.
        _createdAt = time.GetUtcNow();
    }

    public static IReadOnlyList<string> Operations { get; } =
        ["ListStreams", "DescribeStreamSummary", "ListShards", "PutRecord", "PutRecords", "GetShardIterator", "GetRecords"];

    /// <summary>Runs one operation; throws <see cref="KinesisException"/> for anything Kinesis answers as an error.</summary>
    public async Task<byte[]> InvokeAsync(string operation, JsonElement body, string region)
    {
        var request = new KinesisRequest(body);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            switch (operation)
            {
                case "ListStreams":
                    ListStreams(request, writer, region);
                    break;
                case "DescribeStreamSummary":
                    DescribeStreamSummary(request, writer, region);
                    break;
                case "ListShards":
                    ListShards(request, writer);
                    break;
                case "PutRecord":
                    await PutRecordAsync(request, writer);
                    break;
                case "PutRecords":
                    await PutRecordsAsync(request, writer);
                    break;
                case "GetShardIterator":
                    GetShardIterator(request, writer);
                    break;
                case "GetRecords":
                    GetRecords(request, writer);
                    break;
                default:
                    throw new KinesisException("UnknownOperationException", $"Unknown operation {operation}.");
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void ListStreams(KinesisRequest request, Utf8JsonWriter writer, string region)
    {
        var limit = request.Int("Limit");
        var exclusiveStart = request.String("ExclusiveStartStreamName");
        request.Range(limit, "limit", 1, 10_000);
        request.ThrowIfInvalid();

        var listed = exclusiveStart is null || string.CompareOrdinal(exclusiveStart, _stream.Name) < 0;
        writer.WriteStartArray("StreamNames");
        if (listed)
        {
            writer.WriteStringValue(_stream.Name);
        }

        writer.WriteEndArray();
        writer.WriteBoolean("HasMoreStreams", false);
        writer.WriteStartArray("StreamSummaries");
        if (listed)
        {
            writer.WriteStartObject();
            writer.WriteString("StreamName", _stream.Name);
            writer.WriteString("StreamARN", Arn(region));
            writer.WriteString("StreamStatus", "ACTIVE");
            WriteStreamMode(writer);
            writer.WriteNumber("StreamCreationTimestamp", EpochSeconds(_createdAt));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private void DescribeStreamSummary(KinesisRequest request, Utf8JsonWriter writer, string region)
    {
        ResolveStream(request);
        writer.WriteStartObject("StreamDescriptionSummary");
        writer.WriteString("StreamName", _stream.Name);
        writer.WriteString("StreamARN", Arn(region));
        writer.WriteString("StreamStatus", "ACTIVE");
        WriteStreamMode(writer);
        writer.WriteNumber("RetentionPeriodHours", _options.RetentionHours);
        writer.WriteNumber("StreamCreationTimestamp", EpochSeconds(_createdAt));
        writer.WriteStartArray("EnhancedMonitoring");
        writer.WriteStartObject();
        writer.WriteStartArray("ShardLevelMetrics");
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteString("EncryptionType", "NONE");
        writer.WriteNumber("OpenShardCount", _stream.Map.ShardCount);
        writer.WriteNumber("ConsumerCount", 0);
        writer.WriteEndObject();
    }

    private void ListShards(KinesisRequest request, Utf8JsonWriter writer)
    {
        var streamName = request.String("StreamName");
        var nextToken = request.String("NextToken");
        var exclusiveStart = request.String("ExclusiveStartShardId");
        var maxResults = request.Int("MaxResults");
        request.Range(maxResults, "maxResults", 1, 10_000);
        request.Length(nextToken, "nextToken", 1, 1048576);
        request.ThrowIfInvalid();

        int first;
        if (nextToken is not null)
        {
            if (streamName is not null)
            {
                throw KinesisException.InvalidArgument("NextToken and StreamName cannot be provided together.");
            }

            // The token only says where the listing resumes; forging one reveals nothing.
            if (!int.TryParse(nextToken, NumberStyles.None, CultureInfo.InvariantCulture, out first) || first > _stream.Map.ShardCount)
            {
                throw KinesisException.InvalidArgument("Invalid NextToken.");
            }
        }
        else
        {
            if (streamName is null && request.String("StreamARN") is null)
            {
                throw KinesisException.InvalidArgument("Either NextToken or StreamName should be provided.");
            }

            ResolveStream(request);
            // In long: the shard after shardId-2147483647 must not wrap around to a negative one.
            first = exclusiveStart is not null && ShardMap.TryParseShardId(exclusiveStart, out var after)
                ? (int)Math.Min(after + 1L, _stream.Map.ShardCount)
                : 0;
        }

        var last = Math.Min(_stream.Map.ShardCount, first + (maxResults ?? 1000));
        writer.WriteStartArray("Shards");
        for (var shard = first; shard < last; shard++)
        {
            writer.WriteStartObject();
            writer.WriteString("ShardId", ShardMap.ShardId(shard));
            writer.WriteStartObject("HashKeyRange");
            writer.WriteString("StartingHashKey", _stream.Map.StartingHashKey(shard).ToString(CultureInfo.InvariantCulture));
            writer.WriteString("EndingHashKey", _stream.Map.EndingHashKey(shard).ToString(CultureInfo.InvariantCulture));
            writer.WriteEndObject();
            writer.WriteStartObject("SequenceNumberRange");
            writer.WriteString("StartingSequenceNumber", SequenceNumber.Format(shard, 0));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (last < _stream.Map.ShardCount)
        {
            writer.WriteString("NextToken", last.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Resolves StreamName or StreamARN to our one stream; anything else does not exist.</summary>
    private void ResolveStream(KinesisRequest request)
    {
        var name = request.String("StreamName");
        var arn = request.String("StreamARN");
        if (name is null && arn is not null)
        {
            var slash = arn.LastIndexOf(":stream/", StringComparison.Ordinal);
            name = slash < 0 ? null : arn[(slash + ":stream/".Length)..];
            if (name is null)
            {
                request.Fail(arn, "streamARN", "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
                return;
            }
        }

        request.Required(name, "streamName");
        request.Length(name, "streamName", 1, 128);
        request.Pattern(name, "streamName", n => n.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'), "[a-zA-Z0-9_.-]+");
        request.ThrowIfInvalid();
        if (name != _stream.Name)
        {
            throw KinesisException.ResourceNotFound($"Stream {name} under account {AccountId} not found.");
        }
    }

    private string Arn(string region) => $"arn:aws:kinesis:{region}:{AccountId}:stream/{_stream.Name}";

    private static void WriteStreamMode(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("StreamModeDetails");
        writer.WriteString("StreamMode", "PROVISIONED");
        writer.WriteEndObject();
    }

    private static double EpochSeconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Kinesis' format in iterator messages: <c>Thu Jan 22 01:22:02 UTC 2015</c>.</summary>
    private static string AmzTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("ddd MMM dd HH:mm:ss 'UTC' yyyy", CultureInfo.InvariantCulture);
}
