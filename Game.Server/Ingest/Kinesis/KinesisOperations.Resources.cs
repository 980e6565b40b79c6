using System.Text.Json;

namespace Game.Server.Ingest.Kinesis;

/// <summary>The resource a request acts on, in IAM's terms, for the permission check that comes before the operation.</summary>
public sealed partial class KinesisOperations
{
    /// <summary>
    /// The ARN IAM authorizes a request on, read from its members the way the operations read them (so the check
    /// and the operation cannot disagree on which stream is meant): the consumer (<c>ConsumerARN</c>), else the
    /// stream (<c>StreamARN</c>, <c>StreamName</c>, or the stream a <c>ShardIterator</c> or a ListShards
    /// <c>NextToken</c> belongs to), else <c>*</c>: ListStreams and the other operations that name no stream, and a
    /// request whose iterator or token is no stream's (the operation refuses it anyway).
    /// </summary>
    /// <remarks>Generic on purpose: an operation added later is covered as long as it names its stream or consumer with Kinesis' member names.</remarks>
    internal string ResourceArn(JsonElement body, string region)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return "*";
        }

        if (KinesisRequest.String(body, "ConsumerARN") is { } consumer)
        {
            return consumer;
        }

        if (KinesisRequest.String(body, "StreamARN") is { } streamArn)
        {
            return streamArn;
        }

        if (KinesisRequest.String(body, "StreamName") is { } name)
        {
            return $"arn:aws:kinesis:{region}:{AccountId}:stream/{name}";
        }

        var stream = KinesisRequest.String(body, "ShardIterator") is { } iterator ? StreamOfIterator(iterator)
            : KinesisRequest.String(body, "NextToken") is { } token ? ShardListing.Parse(DecodeToken(token), _streams)?.Stream
            : null;
        return stream is null ? "*" : Arn(stream, region);
    }

    /// <summary>The stream whose key signed this iterator, expired or not: it still names the stream it reads.</summary>
    private StreamEntry? StreamOfIterator(string value)
    {
        var now = _time.GetUtcNow();
        return _streams.All.FirstOrDefault(entry => Iterators(entry).TryDecode(value, now, out _) != ShardIteratorError.Invalid);
    }
}
