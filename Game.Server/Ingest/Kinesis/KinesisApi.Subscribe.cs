using Amazon.Runtime.EventStreams;

namespace Game.Server.Ingest.Kinesis;

/// <summary>
/// SubscribeToShard's answer: HTTP 200 with an AWS event stream (<c>application/vnd.amazon.eventstream</c>), one
/// message per event, each flushed as it is made. The framing (prelude, headers, CRCs) is AWSSDK.Core's
/// <see cref="EventStreamMessage"/>, the same code the AWS SDK for .NET reads it with. Over HTTP/2 (what Kinesis
/// requires, and the JavaScript and Java SDKs use) or HTTP/1.1 (chunked), whichever the client came with.
/// </summary>
public static partial class KinesisApi
{
    public const string EventStreamContentType = "application/vnd.amazon.eventstream";

    private static async Task StreamEventsAsync(HttpContext context, ShardSubscription subscription, bool cbor, CancellationToken stopping, ILogger logger)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = EventStreamContentType;
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        LogSubscribed(logger, subscription.Consumer.Name, subscription.Consumer.StreamName, ShardMap.ShardId(subscription.Shard));
        try
        {
            await context.Response.StartAsync(aborted.Token);
            await using var events = subscription.EventsAsync(aborted.Token).GetAsyncEnumerator(aborted.Token);
            while (true)
            {
                SubscriptionEvent next;
                try
                {
                    if (!await events.MoveNextAsync())
                    {
                        break;
                    }

                    next = events.Current;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The records could not be read (the disk, a stream deleted under the read): Kinesis' way to say
                    // so mid-stream is an exception event; the consumer subscribes again.
                    LogSubscriptionFailed(logger, ex, subscription.Consumer.Name, ShardMap.ShardId(subscription.Shard));
                    next = ShardSubscription.Error("InternalFailureException", "Internal service failure.");
                }

                await context.Response.BodyWriter.WriteAsync(Encode(next, cbor), aborted.Token);
                if (next.IsException)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away or the server stops: nothing to answer to.
        }
        finally
        {
            subscription.Release();
        }

        LogSubscriptionEnded(logger, subscription.Consumer.Name, ShardMap.ShardId(subscription.Shard));
    }

    /// <summary>One event as an event-stream message: <c>:message-type</c>, the event or exception type, and the payload in the request's encoding.</summary>
    internal static byte[] Encode(SubscriptionEvent subscriptionEvent, bool cbor)
    {
        var headers = new List<IEventStreamHeader>
        {
            StringHeader(":message-type", subscriptionEvent.IsException ? "exception" : "event"),
            StringHeader(subscriptionEvent.IsException ? ":exception-type" : ":event-type", subscriptionEvent.Type),
            StringHeader(":content-type", cbor ? KinesisCbor.ContentType : "application/json"),
        };
        var payload = cbor ? KinesisCbor.FromJson(subscriptionEvent.Json) : subscriptionEvent.Json;
        return new EventStreamMessage(headers, payload).ToByteArray();
    }

    private static EventStreamHeader StringHeader(string name, string value)
    {
        var header = new EventStreamHeader(name);
        header.SetString(value);
        return header;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Consumer {Consumer} subscribed to {Stream} {ShardId}")]
    private static partial void LogSubscribed(ILogger logger, string consumer, string stream, string shardId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Subscription of consumer {Consumer} to {ShardId} ended")]
    private static partial void LogSubscriptionEnded(ILogger logger, string consumer, string shardId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Subscription of consumer {Consumer} to {ShardId} could not read the shard; it ended with InternalFailureException")]
    private static partial void LogSubscriptionFailed(ILogger logger, Exception exception, string consumer, string shardId);
}
