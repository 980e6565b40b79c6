using System.Text.Json;

namespace Game.Server.Ingest.Kinesis;

/// <summary>SubscribeToShard: validated here like every operation; its events are streamed by <see cref="KinesisApi"/>.</summary>
public sealed partial class KinesisOperations
{
    public const string SubscribeToShardOperation = "SubscribeToShard";

    /// <summary>
    /// Starts a subscription of an <c>ACTIVE</c> consumer to one shard, from its <c>StartingPosition</c>. Everything
    /// Kinesis refuses is thrown here, before any event, so the client gets an ordinary error answer.
    /// </summary>
    public ShardSubscription SubscribeToShard(JsonElement body, string region)
    {
        var request = new KinesisRequest(body) { Operation = SubscribeToShardOperation, Region = region };
        var consumerArn = request.String("ConsumerARN");
        var shardId = request.String("ShardId");
        var start = request.Object("StartingPosition");
        var type = start is { } position ? KinesisRequest.String(position, "Type") : null;
        var sequenceNumber = start is { } withSequence ? KinesisRequest.String(withSequence, "SequenceNumber") : null;
        var timestamp = start is { } withTimestamp ? KinesisRequest.Number(withTimestamp, "Timestamp") : null;
        request.Required(consumerArn, "consumerARN");
        ValidateConsumerArn(request, consumerArn);
        request.Required(shardId, "shardId");
        request.Length(shardId, "shardId", 1, 128);
        request.Pattern(shardId, "shardId", IsStreamName, "[a-zA-Z0-9_.-]+");
        request.Required(start, "startingPosition");
        if (start is not null)
        {
            request.Required(type, "startingPosition.type");
            if (type is not null && !IteratorTypes.Contains(type))
            {
                request.Fail(type, "startingPosition.type", $"Member must satisfy enum value set: [{string.Join(", ", IteratorTypes)}]");
            }
        }

        request.Pattern(sequenceNumber, "startingPosition.sequenceNumber", SequenceNumber.IsWellFormed, "0|([1-9]\\d{0,128})");
        request.ThrowIfInvalid();

        var (entry, consumer) = ResolveConsumerArn(request, consumerArn!);
        var now = _time.GetUtcNow();
        if (ConsumerStatus(consumer, now) != "ACTIVE")
        {
            throw new KinesisException("ResourceInUseException",
                $"Consumer {consumerArn} is {ConsumerStatus(consumer, now)}, not ACTIVE: wait for DescribeStreamConsumer to answer ACTIVE.");
        }

        var stream = entry.Stream;
        if (!ShardMap.TryParseShardId(shardId!, out var shard) || shard >= stream.Map.ShardCount)
        {
            throw KinesisException.ResourceNotFound($"Shard {shardId} in stream {stream.Name} under account {AccountId} does not exist");
        }

        var after = StartingPosition(request.Operation, stream, shard, shardId!, type!, sequenceNumber, timestamp, now);
        var subscription = new ShardSubscription(consumer, stream, shard, after, _fanOut, _time, _subscriptions);
        if (!_subscriptions.TryClaim(subscription))
        {
            throw new KinesisException("ResourceInUseException",
                $"Another subscription to shard {shardId} for consumer {consumerArn} started less than {_fanOut.TakeoverSeconds} seconds ago.");
        }

        return subscription;
    }
}
