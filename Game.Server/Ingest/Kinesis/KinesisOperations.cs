using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Game.Server.Ingest.Kinesis;

/// <summary>
/// The Kinesis operations over the embedded stream, request JSON in, response JSON out. Every request is
/// validated completely before the stream is touched, so a refused request changes nothing.
/// </summary>
public sealed class KinesisOperations
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

    private async Task PutRecordAsync(KinesisRequest request, Utf8JsonWriter writer)
    {
        var partitionKey = request.String("PartitionKey");
        var data = KinesisRequest.Blob(request.Root, "Data");
        var explicitHashKey = request.String("ExplicitHashKey");
        request.String("SequenceNumberForOrdering");
        ValidateRecord(request, partitionKey, data, explicitHashKey, "");
        ResolveStream(request);
        request.ThrowIfInvalid();
        var record = new AppendRequest(partitionKey!, data!, ParseHashKey(explicitHashKey));

        var result = (await _stream.AppendAsync([record]))[0];
        if (!result.Succeeded)
        {
            throw result.ErrorCode == "ProvisionedThroughputExceededException"
                ? new KinesisException(result.ErrorCode, result.ErrorMessage ?? "Rate exceeded.")
                : new KinesisException("InternalFailure", result.ErrorMessage ?? "Internal failure.", StatusCodes.Status500InternalServerError);
        }

        writer.WriteString("ShardId", result.ShardId);
        writer.WriteString("SequenceNumber", result.SequenceNumber);
        writer.WriteString("EncryptionType", "NONE");
    }

    private async Task PutRecordsAsync(KinesisRequest request, Utf8JsonWriter writer)
    {
        var entries = request.Array("Records");
        request.Required(entries, "records");
        var records = new List<AppendRequest>();
        long requestBytes = 0;
        if (entries is { } list)
        {
            var count = list.GetArrayLength();
            if (count is < 1 or > MaxPutRecordsCount)
            {
                request.Fail($"[{count} records]", "records",
                    count < 1 ? "Member must have length greater than or equal to 1" : $"Member must have length less than or equal to {MaxPutRecordsCount}");
            }

            var index = 0;
            foreach (var entry in list.EnumerateArray())
            {
                index++;
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    throw KinesisException.Serialization("Each of 'Records' must be an object.");
                }

                var partitionKey = KinesisRequest.String(entry, "PartitionKey");
                var data = KinesisRequest.Blob(entry, "Data");
                var explicitHashKey = KinesisRequest.String(entry, "ExplicitHashKey");
                ValidateRecord(request, partitionKey, data, explicitHashKey, $"records.{index}.member.");
                if (partitionKey is not null && data is not null)
                {
                    requestBytes += data.Length + Encoding.UTF8.GetByteCount(partitionKey);
                    records.Add(new AppendRequest(partitionKey, data, ExplicitHashKeyOrNull(explicitHashKey)));
                }
            }
        }

        ResolveStream(request);
        request.ThrowIfInvalid();
        foreach (var entry in entries!.Value.EnumerateArray())
        {
            ParseHashKey(KinesisRequest.String(entry, "ExplicitHashKey"));
        }

        if (requestBytes > _options.MaxRequestBytes)
        {
            throw KinesisException.InvalidArgument($"Records size exceeds {_options.MaxRequestBytes} bytes: the request holds {requestBytes} bytes of data and partition keys.");
        }

        // One call keeps the request's order within each shard.
        var results = await _stream.AppendAsync(records);
        writer.WriteNumber("FailedRecordCount", results.Count(r => !r.Succeeded));
        writer.WriteStartArray("Records");
        foreach (var result in results)
        {
            writer.WriteStartObject();
            if (result.Succeeded)
            {
                writer.WriteString("SequenceNumber", result.SequenceNumber);
                writer.WriteString("ShardId", result.ShardId);
            }
            else
            {
                writer.WriteString("ErrorCode", result.ErrorCode);
                writer.WriteString("ErrorMessage", result.ErrorMessage);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("EncryptionType", "NONE");
    }

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
        ResolveStream(request);
        request.ThrowIfInvalid();

        if (!ShardMap.TryParseShardId(shardId!, out var shard) || shard >= _stream.Map.ShardCount)
        {
            throw KinesisException.ResourceNotFound($"Shard {shardId} in stream {_stream.Name} under account {AccountId} does not exist");
        }

        var withSequence = type is "AT_SEQUENCE_NUMBER" or "AFTER_SEQUENCE_NUMBER";
        if (withSequence != (startingSequenceNumber is not null))
        {
            throw KinesisException.InvalidArgument(
                "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
                + $"Request specified {type} and {(startingSequenceNumber is null ? "no" : "also a")} StartingSequenceNumber.");
        }

        var now = _time.GetUtcNow();
        long after;
        switch (type)
        {
            case "TRIM_HORIZON":
                after = _stream.TrimHorizon(shard);
                break;
            case "LATEST":
                after = _stream.LatestPosition(shard);
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

                after = _stream.PositionBefore(shard, DateTimeOffset.FromUnixTimeMilliseconds(millis));
                break;
            default:
                if (!SequenceNumber.TryParse(startingSequenceNumber, out var sequenceShard, out var position))
                {
                    throw KinesisException.InvalidArgument(
                        $"StartingSequenceNumber {startingSequenceNumber} used in GetShardIterator on shard {shardId} in stream {_stream.Name} under account {AccountId} is invalid.");
                }

                if (sequenceShard != shard)
                {
                    throw KinesisException.InvalidArgument(
                        $"Invalid StartingSequenceNumber. It encodes {ShardMap.ShardId(sequenceShard)}, while it was used in a call to a shard with {shardId}");
                }

                after = type == "AT_SEQUENCE_NUMBER" ? Math.Max(0, position - 1) : position;
                break;
        }

        writer.WriteString("ShardIterator", _iterators.Encode(new ShardIterator(shard, after, now)));
    }

    private void GetRecords(KinesisRequest request, Utf8JsonWriter writer)
    {
        var value = request.String("ShardIterator");
        var limit = request.Int("Limit");
        request.Required(value, "shardIterator");
        request.Length(value, "shardIterator", 1, 512);
        request.Range(limit, "limit", 1, MaxGetRecordsLimit);
        request.ThrowIfInvalid();

        var now = _time.GetUtcNow();
        switch (_iterators.TryDecode(value, now, out var iterator))
        {
            case ShardIteratorError.Invalid:
                throw KinesisException.InvalidArgument("Invalid ShardIterator.");
            case ShardIteratorError.Expired:
                throw new KinesisException("ExpiredIteratorException",
                    $"Iterator expired. The iterator was created at time {AmzTime(iterator.IssuedAt)} while right now it is {AmzTime(now)} which is further in the future than the tolerated delay of {(long)_iterators.Lifetime.TotalMilliseconds} milliseconds.");
        }

        if (iterator.Shard >= _stream.Map.ShardCount)
        {
            throw KinesisException.ResourceNotFound($"Shard {ShardMap.ShardId(iterator.Shard)} in stream {_stream.Name} under account {AccountId} does not exist");
        }

        var records = _stream.Read(iterator.Shard, iterator.AfterPosition, limit ?? MaxGetRecordsLimit, MaxGetRecordsBytes);
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
        writer.WriteString("NextShardIterator", _iterators.Encode(new ShardIterator(iterator.Shard, next, now)));
        // Behind by the age of the last record read, unless it was the newest one.
        var behind = records.Count == 0 || next >= _stream.LatestPosition(iterator.Shard)
            ? 0
            : Math.Max(0, (long)(now - records[^1].ArrivalTime).TotalMilliseconds);
        writer.WriteNumber("MillisBehindLatest", behind);
    }

    private void ValidateRecord(KinesisRequest request, string? partitionKey, byte[]? data, string? explicitHashKey, string prefix)
    {
        request.Required(partitionKey, prefix + "partitionKey");
        request.Length(partitionKey, prefix + "partitionKey", 1, MaxPartitionKeyLength);
        request.Required(data, prefix + "data");
        if (data is { } bytes && bytes.Length > _options.MaxRecordBytes)
        {
            request.Fail($"[{bytes.Length} bytes]", prefix + "data", $"Member must have length less than or equal to {_options.MaxRecordBytes}");
        }

        request.Pattern(explicitHashKey, prefix + "explicitHashKey", IsHashKeySyntax, "0|([1-9]\\d{0,38})");
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

    private static bool IsHashKeySyntax(string value) =>
        value is { Length: > 0 and <= 39 } && value.All(char.IsAsciiDigit) && (value.Length == 1 || value[0] != '0');

    private static BigInteger? ExplicitHashKeyOrNull(string? value) =>
        value is not null && IsHashKeySyntax(value) ? BigInteger.Parse(value, CultureInfo.InvariantCulture) : null;

    /// <summary>A hash key with valid syntax may still lie outside the 128-bit space: InvalidArgumentException, as Kinesis answers.</summary>
    private static BigInteger? ParseHashKey(string? value)
    {
        var key = ExplicitHashKeyOrNull(value);
        if (key > ShardMap.MaxHashKey)
        {
            throw KinesisException.InvalidArgument($"Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was {value}");
        }

        return key;
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
