using Game.Functions.Contracts;
using LoadTest.Phones;

namespace LoadTest.Kinesis;

/// <summary>
/// A phone whose batches go through the Kinesis API: each batch is one record (MessagePack, partition key = player),
/// put by the shared <see cref="KinesisProducer"/>. A record that <c>PutRecords</c> refused is a refused ack, so the
/// phone resends it like a batch the hub refused.
/// </summary>
public sealed class KinesisMotionLink(KinesisProducer producer, string playerId) : IMotionLink
{
    public bool Connected => true;

    public async Task<MotionAck> SendAsync(MotionBatch batch, CancellationToken cancellationToken)
    {
        var result = await producer.PutAsync(playerId, MotionBatchCodec.Encode(batch), cancellationToken);
        return new MotionAck { Seq = batch.Seq, Accepted = result.Succeeded, Error = result.ErrorCode };
    }

    /// <summary>HTTP connections are the producer's to keep: there is nothing for one phone to reconnect.</summary>
    public Task<bool> ReadyAsync(Func<bool> pastGiveUp, CancellationToken cancellationToken) => Task.FromResult(!pastGiveUp());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
