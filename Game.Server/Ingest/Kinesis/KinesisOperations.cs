using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Game.Server.Ingest.Kinesis;

/// <summary>
/// The Kinesis operations over the embedded streams, request JSON in, response JSON out. Every request is
/// validated completely before a stream is touched, so a refused request changes nothing. The operations are
/// grouped by subject: streams (this file and .Streams), shards (.Shards), tags (.Tags), writes and reads, stream
/// consumers (.Consumers) and SubscribeToShard (.Subscribe).
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

    private readonly IngestStreams _streams;
    private readonly IngestOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<StreamEntry, ShardIteratorCodec> _iterators = new(ReferenceEqualityComparer.Instance);
    private readonly EnhancedFanOutOptions _fanOut;
    private readonly ShardSubscriptions _subscriptions;

    public KinesisOperations(IngestStreams streams, IOptions<IngestOptions> options, TimeProvider time, EnhancedFanOutOptions? fanOut = null)
    {
        _streams = streams;
        _options = options.Value;
        _time = time;
        _fanOut = fanOut ?? new EnhancedFanOutOptions();
        _subscriptions = new ShardSubscriptions(time, _fanOut);
    }

    /// <summary>Over one stream alone (tests and fuzzing): a catalog is made around it, in the stream's own folder.</summary>
    public KinesisOperations(IngestStream stream, IOptions<IngestOptions> options, TimeProvider time, EnhancedFanOutOptions? fanOut = null)
        : this(new IngestStreams(stream, options, stream.Data, time, NullLoggerFactory.Instance), options, time, fanOut)
    {
    }

    public static IReadOnlyList<string> Operations { get; } =
    [
        "ListStreams", "DescribeStreamSummary", "ListShards", "PutRecord", "PutRecords", "GetShardIterator", "GetRecords",
        "DescribeStream", "CreateStream", "DeleteStream", "IncreaseStreamRetentionPeriod", "DecreaseStreamRetentionPeriod",
        "AddTagsToStream", "ListTagsForStream", "RemoveTagsFromStream", "SplitShard", "MergeShards", "UpdateShardCount",
        "RegisterStreamConsumer", "DescribeStreamConsumer", "ListStreamConsumers", "DeregisterStreamConsumer", SubscribeToShardOperation,
    ];

    /// <summary>
    /// Runs one operation; throws <see cref="KinesisException"/> for anything Kinesis answers as an error.
    /// SubscribeToShard answers an event stream, not one body: <see cref="SubscribeToShard"/>.
    /// </summary>
    public async Task<byte[]> InvokeAsync(string operation, JsonElement body, string region)
    {
        var request = new KinesisRequest(body) { Operation = operation, Region = region };
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            switch (operation)
            {
                case "ListStreams":
                    ListStreams(request, writer);
                    break;
                case "DescribeStreamSummary":
                    DescribeStreamSummary(request, writer);
                    break;
                case "DescribeStream":
                    DescribeStream(request, writer);
                    break;
                case "CreateStream":
                    CreateStream(request);
                    break;
                case "DeleteStream":
                    await DeleteStreamAsync(request);
                    break;
                case "IncreaseStreamRetentionPeriod":
                    ChangeRetention(request, increase: true);
                    break;
                case "DecreaseStreamRetentionPeriod":
                    ChangeRetention(request, increase: false);
                    break;
                case "AddTagsToStream":
                    AddTags(request);
                    break;
                case "ListTagsForStream":
                    ListTags(request, writer);
                    break;
                case "RemoveTagsFromStream":
                    RemoveTags(request);
                    break;
                case "SplitShard":
                    SplitShard(request);
                    break;
                case "MergeShards":
                    MergeShards(request);
                    break;
                case "UpdateShardCount":
                    UpdateShardCount(request, writer);
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
                case "RegisterStreamConsumer":
                    RegisterStreamConsumer(request, writer);
                    break;
                case "DescribeStreamConsumer":
                    DescribeStreamConsumer(request, writer);
                    break;
                case "ListStreamConsumers":
                    ListStreamConsumers(request, writer);
                    break;
                case "DeregisterStreamConsumer":
                    DeregisterStreamConsumer(request);
                    break;
                default:
                    throw new KinesisException("UnknownOperationException", $"Unknown operation {operation}.");
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Resolves StreamName or StreamARN to a stream. An ARN must have Kinesis' form; one of another account is
    /// refused as Kinesis refuses a stream it has no resource policy for (AccessDeniedException), and one of another
    /// region, or naming another stream than StreamName, is InvalidArgumentException.
    /// </summary>
    private StreamEntry ResolveStream(KinesisRequest request)
    {
        var name = request.String("StreamName");
        var arn = request.String("StreamARN");
        request.Length(arn, "streamARN", 1, 2048);
        StreamArn? parsed = null;
        if (arn is not null)
        {
            parsed = StreamArn.Parse(arn);
            if (parsed is null)
            {
                request.Fail(arn, "streamARN", "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
            }
        }

        if (arn is null)
        {
            request.Required(name, "streamName");
        }

        ValidateStreamName(request, name);
        request.ThrowIfInvalid();
        if (parsed is { } streamArn)
        {
            if (streamArn.Account != AccountId)
            {
                throw new KinesisException("AccessDeniedException",
                    $"User: arn:aws:iam::{AccountId}:root is not authorized to perform: kinesis:{request.Operation} on resource: {arn} because no resource-based policy allows the kinesis:{request.Operation} action");
            }

            if (streamArn.Region != request.Region)
            {
                throw KinesisException.InvalidArgument($"The region in StreamARN {arn} is not the region the request was signed for ({request.Region}).");
            }

            if (name is not null && name != streamArn.Name)
            {
                throw KinesisException.InvalidArgument($"StreamARN {arn} and StreamName {name} name different streams.");
            }

            name = streamArn.Name;
        }

        return _streams.Find(name!) ?? throw KinesisException.ResourceNotFound($"Stream {name} under account {AccountId} not found.");
    }

    private static void ValidateStreamName(KinesisRequest request, string? name, string member = "streamName")
    {
        request.Length(name, member, 1, 128);
        request.Pattern(name, member, IsStreamName, "[a-zA-Z0-9_.-]+");
    }

    private static bool IsStreamName(string name) => name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    private static string Arn(StreamEntry stream, string region) => $"arn:aws:kinesis:{region}:{AccountId}:stream/{stream.Name}";

    private ShardIteratorCodec Iterators(StreamEntry stream) => _iterators.GetOrAdd(stream, s => new ShardIteratorCodec(
        ShardIteratorCodec.DeriveKey(_options.SecretAccessKey, s.Name + s.Incarnation), TimeSpan.FromSeconds(_options.IteratorLifetimeSeconds)));

    private static void WriteStreamMode(Utf8JsonWriter writer, StreamEntry stream)
    {
        writer.WriteStartObject("StreamModeDetails");
        writer.WriteString("StreamMode", stream.Mode.ToString());
        writer.WriteEndObject();
    }

    private static double EpochSeconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Kinesis' format in iterator messages: <c>Thu Jan 22 01:22:02 UTC 2015</c>.</summary>
    private static string AmzTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("ddd MMM dd HH:mm:ss 'UTC' yyyy", CultureInfo.InvariantCulture);

    /// <summary>A stream ARN's parts: <c>arn:partition:kinesis:region:account:stream/name</c>.</summary>
    private readonly record struct StreamArn(string Region, string Account, string Name)
    {
        public static StreamArn? Parse(string arn)
        {
            var parts = arn.Split(':', 6);
            if (parts.Length != 6 || parts[0] != "arn" || !parts[1].StartsWith("aws", StringComparison.Ordinal) || parts[2] != "kinesis"
                || parts[4].Length != 12 || !parts[4].All(char.IsAsciiDigit) || !parts[5].StartsWith("stream/", StringComparison.Ordinal))
            {
                return null;
            }

            var name = parts[5]["stream/".Length..];
            return name.Length == 0 || name.Any(char.IsWhiteSpace) ? null : new StreamArn(parts[3], parts[4], name);
        }
    }
}
