using Game.Functions.Contracts;

namespace Game.Functions.Runtime;

/// <summary>Builds Lambda's Kinesis event for a batch of stream records.</summary>
public static class KinesisEventFactory
{
    public const string Region = "local";

    public static string StreamArn(string streamName) => $"arn:aws:kinesis:{Region}:000000000000:stream/{streamName}";

    public static KinesisEvent From(ShardBatch batch) => new() { Records = Records(batch) };

    public static KinesisTimeWindowEvent FromWindow(ShardBatch batch, WindowInput window) => new()
    {
        Records = Records(batch),
        Window = new KinesisTimeWindowEvent.TimeWindow { Start = window.Start, End = window.End },
        State = new Dictionary<string, string>(window.State),
        ShardId = batch.ShardId,
        EventSourceArn = StreamArn(batch.StreamName),
        IsFinalInvokeForWindow = window.IsFinal,
        IsWindowTerminatedEarly = window.TerminatedEarly,
    };

    private static List<KinesisEvent.KinesisEventRecord> Records(ShardBatch batch)
    {
        // Runs for every record the event sources deliver: two objects a record, nothing else (no LINQ, no strings).
        var sourceArn = StreamArn(batch.StreamName);
        var records = new List<KinesisEvent.KinesisEventRecord>(batch.Records.Count);
        for (var i = 0; i < batch.Records.Count; i++)
        {
            var r = batch.Records[i];
            var record = KinesisEvent.KinesisEventRecord.OfShard(batch.ShardId, new KinesisEvent.Record
            {
                PartitionKey = r.PartitionKey,
                SequenceNumber = r.SequenceNumber,
                Data = r.Data,
                ApproximateArrivalTimestamp = r.ArrivalTime,
            });
            record.EventSourceArn = sourceArn;
            record.AwsRegion = Region;
            records.Add(record);
        }

        return records;
    }
}
