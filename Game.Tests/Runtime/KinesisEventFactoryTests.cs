using System.Text.Json;
using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Tests.Infrastructure;

namespace Game.Tests.Runtime;

/// <summary>
/// Lambda's Kinesis event for a shard batch: every field as Lambda fills it, the same JSON, and no more than two
/// objects per record (it is built for every record the event sources deliver: docs/performance.md).
/// </summary>
public sealed class KinesisEventFactoryTests
{
    private static readonly DateTimeOffset Arrival = new(2026, 12, 2, 8, 0, 0, 125, TimeSpan.Zero);

    [Fact]
    public void From_ShardBatch_EveryRecordHasLambdasFieldsAndItsShardAndSequenceAsEventId()
    {
        var batch = Batch(2);

        var records = KinesisEventFactory.From(batch).Records;

        Assert.Equal(2, records.Count);
        for (var i = 0; i < 2; i++)
        {
            var record = records[i];
            Assert.Equal($"shardId-000000000003:{Sequence(i)}", record.EventId);
            Assert.Equal("arn:aws:kinesis:local:000000000000:stream/motion", record.EventSourceArn);
            Assert.Equal(("aws:kinesis", "1.0", "aws:kinesis:record", "local", ""), (record.EventSource, record.EventVersion, record.EventName, record.AwsRegion, record.InvokeIdentityArn));
            Assert.Equal((Sequence(i), $"player-{i}", "1.0", Arrival), (record.Kinesis.SequenceNumber, record.Kinesis.PartitionKey, record.Kinesis.KinesisSchemaVersion, record.Kinesis.ApproximateArrivalTimestamp));
            Assert.Same(batch.Records[i].Data, record.Kinesis.Data);
        }
    }

    [Fact]
    public void From_ShardBatch_SerializesAsLambdasEvent()
    {
        var json = JsonSerializer.Serialize(KinesisEventFactory.From(Batch(1)));

        Assert.Equal(
            """{"Records":[{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"player-0","sequenceNumber":"49590338271490256608559692538361571095921575989136588898","data":"AQID","approximateArrivalTimestamp":1796198400.125},"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":"shardId-000000000003:49590338271490256608559692538361571095921575989136588898","eventName":"aws:kinesis:record","invokeIdentityArn":"","awsRegion":"local","eventSourceARN":"arn:aws:kinesis:local:000000000000:stream/motion"}]}""",
            json);
    }

    [Fact]
    public void EventId_SetAfterTheFactory_IsTheOneSet()
    {
        var record = KinesisEventFactory.From(Batch(1)).Records[0];

        record.EventId = "shardId-000000000000:1";

        Assert.Equal("shardId-000000000000:1", record.EventId);
        Assert.Equal("", new KinesisEvent.KinesisEventRecord().EventId);
    }

    [Fact]
    public void From_ShardBatch_AllocatesTwoObjectsPerRecordAndNoString()
    {
        // A thousand records more cost a thousand (record, Kinesis part) pairs and a thousand slots of the list's
        // array: no event id string, no Kinesis part made and thrown away, no LINQ. Counted on this thread only.
        var small = Batch(1_000);
        var large = Batch(2_000);
        KinesisEventFactory.From(small);
        KinesisEventFactory.From(large);
        var pair = Allocated.By(() => GC.KeepAlive(new KinesisEvent.KinesisEventRecord())) + Allocated.By(() => GC.KeepAlive(new KinesisEvent.Record()));

        var smallBytes = Allocated.By(() => GC.KeepAlive(KinesisEventFactory.From(small)));
        var largeBytes = Allocated.By(() => GC.KeepAlive(KinesisEventFactory.From(large)));

        Assert.Equal(1_000 * (pair + IntPtr.Size), largeBytes - smallBytes);
    }

    private static string Sequence(int i) => $"4959033827149025660855969253836157109592157598913658{8898 + i:D4}";

    private static ShardBatch Batch(int count) => new(
        "motion",
        "shardId-000000000003",
        Enumerable.Range(0, count).Select(i => new StreamRecord(Sequence(i), $"player-{i}", [1, 2, 3], Arrival)).ToList());
}
