namespace Game.Server.Ingest.Kinesis;

/// <summary>
/// The subscriptions running now, one per consumer and shard at most, as Kinesis allows: a second SubscribeToShard
/// within <see cref="EnhancedFanOutOptions.TakeoverSeconds"/> of the first one's start is refused; a later one takes
/// over, and the first ends with ResourceInUseException.
/// </summary>
internal sealed class ShardSubscriptions(TimeProvider time, EnhancedFanOutOptions options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Stream, string Consumer, long Epoch, int Shard), ShardSubscription> _current = [];

    /// <summary>Makes <paramref name="subscription"/> the consumer's one on its shard; false (changing nothing) within the takeover window.</summary>
    public bool TryClaim(ShardSubscription subscription)
    {
        ShardSubscription? previous;
        lock (_lock)
        {
            if (_current.TryGetValue(subscription.Key, out previous) && time.GetUtcNow() - previous.StartedAt < options.Takeover)
            {
                return false;
            }

            _current[subscription.Key] = subscription;
        }

        previous?.End("ResourceInUseException",
            $"Another subscription to shard {ShardMap.ShardId(subscription.Shard)} for consumer {subscription.Consumer.Name} took over this one.");
        return true;
    }

    /// <summary>A subscription that ended lets go of its consumer and shard, unless another took them over.</summary>
    public void Release(ShardSubscription subscription)
    {
        lock (_lock)
        {
            if (_current.TryGetValue(subscription.Key, out var current) && current == subscription)
            {
                _current.Remove(subscription.Key);
            }
        }
    }

    /// <summary>Ends every subscription of a consumer (deregistered) with an error event.</summary>
    public void EndConsumer(StreamConsumer consumer, string errorType, string message) =>
        End(s => s.Consumer.StreamName == consumer.StreamName && s.Consumer.Name == consumer.Name && s.Consumer.ArnEpoch == consumer.ArnEpoch, errorType, message);

    /// <summary>Ends every subscription to a stream (deleted) with an error event.</summary>
    public void EndStream(string streamName, string errorType, string message) => End(s => s.Consumer.StreamName == streamName, errorType, message);

    private void End(Func<ShardSubscription, bool> which, string errorType, string message)
    {
        List<ShardSubscription> ending;
        lock (_lock)
        {
            ending = _current.Values.Where(which).ToList();
        }

        foreach (var subscription in ending)
        {
            subscription.End(errorType, message);
        }
    }
}
