using System.Globalization;
using System.Text.Json;

namespace Game.Server.Ingest.Kinesis;

/// <summary>
/// Stream consumers (enhanced fan-out): RegisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers and
/// DeregisterStreamConsumer. A consumer is <c>CREATING</c> for <see cref="EnhancedFanOutOptions.ConsumerTransitionMilliseconds"/>
/// after it is registered, then <c>ACTIVE</c>; deregistered, it is <c>DELETING</c> as long, then gone.
/// </summary>
public sealed partial class KinesisOperations
{
    private void RegisterStreamConsumer(KinesisRequest request, Utf8JsonWriter writer)
    {
        var name = request.String("ConsumerName");
        request.StringMap("Tags");
        request.Required(name, "consumerName");
        ValidateConsumerName(request, name);
        var stream = ResolveStreamArn(request);
        var now = _time.GetUtcNow();
        StreamConsumer? consumer;
        try
        {
            consumer = _streams.RegisterConsumer(stream, name!, EnhancedFanOutOptions.MaxConsumersPerStream, now - _fanOut.ConsumerTransition);
        }
        catch (ConsumerLimitException)
        {
            throw new KinesisException("LimitExceededException",
                $"Consumer limit of {EnhancedFanOutOptions.MaxConsumersPerStream} exceeded for stream {Arn(stream, request.Region)}.");
        }

        if (consumer is null)
        {
            throw new KinesisException("ResourceInUseException",
                $"Consumer {name} under stream {Arn(stream, request.Region)} already exists for account {AccountId}.");
        }

        writer.WriteStartObject("Consumer");
        WriteConsumer(writer, consumer, request.Region, now);
        writer.WriteEndObject();
    }

    private void DescribeStreamConsumer(KinesisRequest request, Utf8JsonWriter writer)
    {
        var (stream, consumer) = ResolveConsumer(request);
        writer.WriteStartObject("ConsumerDescription");
        WriteConsumer(writer, consumer, request.Region, _time.GetUtcNow());
        writer.WriteString("StreamARN", Arn(stream, request.Region));
        writer.WriteEndObject();
    }

    /// <summary>A page of a stream's consumers in name order; <c>MaxResults</c> 1–10,000, default 100.</summary>
    private void ListStreamConsumers(KinesisRequest request, Utf8JsonWriter writer)
    {
        var maxResults = request.Int("MaxResults");
        var nextToken = request.String("NextToken");
        request.Number("StreamCreationTimestamp");
        request.Range(maxResults, "maxResults", 1, 10_000);
        request.Length(nextToken, "nextToken", 1, 1_048_576);
        var stream = ResolveStreamArn(request);
        string? after = null;
        if (nextToken is not null)
        {
            after = DecodeToken(nextToken) is { } token && token.StartsWith("consumers/", StringComparison.Ordinal)
                ? token["consumers/".Length..]
                : throw KinesisException.InvalidArgument("Invalid NextToken.");
        }

        var now = _time.GetUtcNow();
        var all = ConsumersOf(stream, now).Where(c => after is null || string.CompareOrdinal(c.Name, after) > 0).ToList();
        var page = all.Take(maxResults ?? 100).ToList();
        writer.WriteStartArray("Consumers");
        foreach (var consumer in page)
        {
            writer.WriteStartObject();
            WriteConsumer(writer, consumer, request.Region, now);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (page.Count < all.Count)
        {
            writer.WriteString("NextToken", EncodeToken("consumers/" + page[^1].Name));
        }
    }

    /// <summary>Starts deregistering: the consumer is DELETING for a while, and its subscriptions end at once.</summary>
    private void DeregisterStreamConsumer(KinesisRequest request)
    {
        var (stream, consumer) = ResolveConsumer(request);
        if (consumer.DeregisteredAt is not null || !_streams.DeregisterConsumer(stream, consumer))
        {
            throw new KinesisException("ResourceInUseException",
                $"Consumer {consumer.Name} under stream {Arn(stream, request.Region)} is being deleted already.");
        }

        _subscriptions.EndConsumer(consumer, "ResourceNotFoundException", $"Consumer {ConsumerArnOf(consumer, request.Region)} was deregistered.");
    }

    /// <summary>The stream's consumers now, those whose deletion is over left out.</summary>
    private IReadOnlyList<StreamConsumer> ConsumersOf(StreamEntry stream, DateTimeOffset now) =>
        _streams.ConsumersOf(stream, now - _fanOut.ConsumerTransition);

    private string ConsumerStatus(StreamConsumer consumer, DateTimeOffset now) =>
        consumer.DeregisteredAt is not null ? "DELETING" : now < consumer.CreatedAt + _fanOut.ConsumerTransition ? "CREATING" : "ACTIVE";

    private void WriteConsumer(Utf8JsonWriter writer, StreamConsumer consumer, string region, DateTimeOffset now)
    {
        writer.WriteString("ConsumerName", consumer.Name);
        writer.WriteString("ConsumerARN", ConsumerArnOf(consumer, region));
        writer.WriteString("ConsumerStatus", ConsumerStatus(consumer, now));
        writer.WriteNumber("ConsumerCreationTimestamp", EpochSeconds(consumer.CreatedAt));
    }

    private static string ConsumerArnOf(StreamConsumer consumer, string region) =>
        string.Create(CultureInfo.InvariantCulture, $"arn:aws:kinesis:{region}:{AccountId}:stream/{consumer.StreamName}/consumer/{consumer.Name}:{consumer.ArnEpoch}");

    /// <summary>The consumer operations name their stream by <c>StreamARN</c> only.</summary>
    private StreamEntry ResolveStreamArn(KinesisRequest request)
    {
        if (request.String("StreamARN") is null)
        {
            request.Required(null, "streamARN");
            request.ThrowIfInvalid();
        }

        return ResolveStream(request);
    }

    /// <summary>
    /// A consumer by <c>ConsumerARN</c>, or by <c>StreamARN</c> and <c>ConsumerName</c> (DescribeStreamConsumer,
    /// DeregisterStreamConsumer). An ARN of a consumer deregistered and registered again is not the new one's.
    /// </summary>
    private (StreamEntry Stream, StreamConsumer Consumer) ResolveConsumer(KinesisRequest request)
    {
        var consumerArn = request.String("ConsumerARN");
        var name = request.String("ConsumerName");
        var streamArn = request.String("StreamARN");
        ValidateConsumerArn(request, consumerArn);
        ValidateConsumerName(request, name);
        request.Length(streamArn, "streamARN", 1, 2048);
        request.ThrowIfInvalid();
        if (consumerArn is null && (name is null || streamArn is null))
        {
            throw KinesisException.InvalidArgument("Either ConsumerARN or both StreamARN and ConsumerName must be provided.");
        }

        if (consumerArn is not null)
        {
            return ResolveConsumerArn(request, consumerArn, name, streamArn);
        }

        var stream = ResolveStream(request);
        var consumer = ConsumersOf(stream, _time.GetUtcNow()).FirstOrDefault(c => c.Name == name)
            ?? throw KinesisException.ResourceNotFound($"Consumer {name} under stream {Arn(stream, request.Region)} not found for account {AccountId}.");
        return (stream, consumer);
    }

    private (StreamEntry Stream, StreamConsumer Consumer) ResolveConsumerArn(KinesisRequest request, string consumerArn, string? name = null, string? streamArn = null)
    {
        var parsed = ConsumerArn.Parse(consumerArn)!.Value;
        if (parsed.Account != AccountId)
        {
            throw new KinesisException("AccessDeniedException",
                $"User: arn:aws:iam::{AccountId}:root is not authorized to perform: kinesis:{request.Operation} on resource: {consumerArn} because no resource-based policy allows the kinesis:{request.Operation} action");
        }

        if (parsed.Region != request.Region)
        {
            throw KinesisException.InvalidArgument($"The region in ConsumerARN {consumerArn} is not the region the request was signed for ({request.Region}).");
        }

        if ((name is not null && name != parsed.ConsumerName)
            || (streamArn is not null && streamArn != $"arn:aws:kinesis:{parsed.Region}:{parsed.Account}:stream/{parsed.StreamName}"))
        {
            throw KinesisException.InvalidArgument($"ConsumerARN {consumerArn} names another consumer than StreamARN and ConsumerName.");
        }

        var stream = _streams.Find(parsed.StreamName);
        var consumer = stream is null ? null : ConsumersOf(stream, _time.GetUtcNow()).FirstOrDefault(c => c.Name == parsed.ConsumerName && c.ArnEpoch == parsed.Epoch);
        return consumer is null
            ? throw KinesisException.ResourceNotFound($"Consumer {consumerArn} not found for account {AccountId}.")
            : (stream!, consumer);
    }

    private static void ValidateConsumerName(KinesisRequest request, string? name)
    {
        request.Length(name, "consumerName", 1, 128);
        request.Pattern(name, "consumerName", IsStreamName, "[a-zA-Z0-9_.-]+");
    }

    private static void ValidateConsumerArn(KinesisRequest request, string? arn)
    {
        request.Length(arn, "consumerARN", 1, 2048);
        request.Pattern(arn, "consumerARN", a => ConsumerArn.Parse(a) is not null,
            "^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+");
    }

    /// <summary>A consumer ARN's parts: <c>arn:partition:kinesis:region:account:stream/name/consumer/consumer-name:epoch</c>.</summary>
    private readonly record struct ConsumerArn(string Region, string Account, string StreamName, string ConsumerName, long Epoch)
    {
        public static ConsumerArn? Parse(string arn)
        {
            var parts = arn.Split(':', 7);
            if (parts.Length != 7 || parts[0] != "arn" || !parts[1].StartsWith("aws", StringComparison.Ordinal) || parts[2] != "kinesis"
                || parts[4].Length != 12 || !parts[4].All(char.IsAsciiDigit)
                || !long.TryParse(parts[6], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
            {
                return null;
            }

            var resource = parts[5].Split('/');
            return resource is ["stream", var stream, "consumer", var consumer]
                && stream.Length > 0 && IsStreamName(stream) && consumer.Length > 0 && IsStreamName(consumer)
                ? new ConsumerArn(parts[3], parts[4], stream, consumer, epoch)
                : null;
        }
    }
}
