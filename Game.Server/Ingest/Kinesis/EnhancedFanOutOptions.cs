using System.ComponentModel.DataAnnotations;

namespace Game.Server.Ingest.Kinesis;

/// <summary>Enhanced fan-out (stream consumers and SubscribeToShard), bound from <c>Ingest:EnhancedFanOut</c>.</summary>
public sealed class EnhancedFanOutOptions
{
    public const string Section = "Ingest:EnhancedFanOut";

    /// <summary>Kinesis' limit of registered consumers per stream.</summary>
    public const int MaxConsumersPerStream = 20;

    /// <summary>
    /// How long a subscription pushes events before it ends and the consumer must subscribe again, seconds.
    /// Default 300 (Kinesis' 5 minutes); shorter only to rehearse renewals.
    /// </summary>
    [Range(1, 300)]
    public int SubscriptionLifetimeSeconds { get; set; } = 300;

    /// <summary>
    /// A second SubscribeToShard for the same consumer and shard within this many seconds of the first one's start is
    /// refused (ResourceInUseException); a later one takes over, and the first ends with ResourceInUseException.
    /// Default 5 (Kinesis).
    /// </summary>
    [Range(0, 300)]
    public int TakeoverSeconds { get; set; } = 5;

    /// <summary>
    /// How long a consumer is <c>CREATING</c> after RegisterStreamConsumer and <c>DELETING</c> after
    /// DeregisterStreamConsumer, milliseconds. Kinesis takes seconds; default 500, so clients that wait for
    /// <c>ACTIVE</c> as they must on Kinesis are exercised, without making a local run wait. 0 makes both instant.
    /// </summary>
    [Range(0, 60_000)]
    public int ConsumerTransitionMilliseconds { get; set; } = 500;

    /// <summary>
    /// A subscription on a shard with nothing new still sends an (empty) event this often, seconds, so the consumer
    /// sees its continuation and that it is caught up, and no proxy takes the quiet stream for dead. Default 5.
    /// </summary>
    [Range(1, 300)]
    public int HeartbeatSeconds { get; set; } = 5;

    internal TimeSpan SubscriptionLifetime => TimeSpan.FromSeconds(SubscriptionLifetimeSeconds);

    internal TimeSpan Takeover => TimeSpan.FromSeconds(TakeoverSeconds);

    internal TimeSpan ConsumerTransition => TimeSpan.FromMilliseconds(ConsumerTransitionMilliseconds);

    internal TimeSpan Heartbeat => TimeSpan.FromSeconds(HeartbeatSeconds);
}
