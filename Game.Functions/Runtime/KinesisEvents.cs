using Game.Functions.Contracts;

namespace Game.Functions.Runtime;

/// <summary>Builds Lambda's Kinesis event for a batch of stream records.</summary>
public static class KinesisEvents
{
    public const string Region = "local";

    public static string StreamArn(string streamName) => $"arn:aws:kinesis:{Region}:000000000000:stream/{streamName}";

    public static KinesisEvent From(ShardBatch batch)
    {
        var sourceArn = StreamArn(batch.StreamName);
        return new KinesisEvent
        {
            Records = batch.Records.Select(r => new KinesisEvent.KinesisEventRecord
            {
                EventId = $"{batch.ShardId}:{r.SequenceNumber}",
                EventSourceArn = sourceArn,
                AwsRegion = Region,
                Kinesis = new KinesisEvent.Record
                {
                    PartitionKey = r.PartitionKey,
                    SequenceNumber = r.SequenceNumber,
                    Data = r.Data,
                    ApproximateArrivalTimestamp = r.ArrivalTime,
                },
            }).ToList(),
        };
    }
}
