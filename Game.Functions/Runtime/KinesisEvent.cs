using System.Text.Json.Serialization;

namespace Game.Functions.Runtime;

/// <summary>
/// The event a function receives for a batch of stream records, in the shape of Lambda's Kinesis event
/// (Amazon.Lambda.KinesisEventFactory): the same type and property names, and the same JSON.
/// </summary>
/// <remarks>One difference: <c>Record.Data</c> is a byte array (base64 in JSON) where Lambda's .NET type uses a MemoryStream.</remarks>
public class KinesisEvent
{
    [JsonPropertyName("Records")]
    public IList<KinesisEventRecord> Records { get; set; } = [];

    public sealed class KinesisEventRecord
    {
        private Record? _kinesis;
        private string? _eventId;
        private string? _shardId;
        private string? _sequenceNumber;

        [JsonPropertyName("kinesis")]
        public Record Kinesis
        {
            // Made on first use: the factory sets its own, and an initializer would make one per record for nothing.
            get => _kinesis ??= new();
            set => _kinesis = value;
        }

        [JsonPropertyName("eventSource")]
        public string EventSource { get; set; } = "aws:kinesis";

        [JsonPropertyName("eventVersion")]
        public string EventVersion { get; set; } = "1.0";

        /// <summary><c>shardId-000000000000:&lt;sequence number&gt;</c>.</summary>
        /// <remarks>
        /// For records of a shard batch (<see cref="KinesisEventFactory"/>) it is formatted when first read: the
        /// functions of this server do not read it, and it was the largest allocation of each record.
        /// </remarks>
        [JsonPropertyName("eventID")]
        public string EventId
        {
            get => _eventId ??= _shardId is null ? "" : string.Concat(_shardId, ":", _sequenceNumber);
            set => (_eventId, _shardId, _sequenceNumber) = (value, null, null);
        }

        [JsonPropertyName("eventName")]
        public string EventName { get; set; } = "aws:kinesis:record";

        [JsonPropertyName("invokeIdentityArn")]
        public string InvokeIdentityArn { get; set; } = "";

        [JsonPropertyName("awsRegion")]
        public string AwsRegion { get; set; } = "";

        [JsonPropertyName("eventSourceARN")]
        public string EventSourceArn { get; set; } = "";

        /// <summary>A record of <paramref name="shardId"/> whose <see cref="EventId"/> is formatted when first read.</summary>
        internal static KinesisEventRecord OfShard(string shardId, Record kinesis) =>
            new() { _kinesis = kinesis, _shardId = shardId, _sequenceNumber = kinesis.SequenceNumber };
    }

    public sealed class Record
    {
        [JsonPropertyName("kinesisSchemaVersion")]
        public string KinesisSchemaVersion { get; set; } = "1.0";

        [JsonPropertyName("partitionKey")]
        public string PartitionKey { get; set; } = "";

        [JsonPropertyName("sequenceNumber")]
        public string SequenceNumber { get; set; } = "";

        /// <summary>The record's payload; base64 in JSON.</summary>
        [JsonPropertyName("data")]
        public byte[] Data { get; set; } = [];

        /// <summary>When the stream received the record, Unix seconds with a fraction in JSON.</summary>
        [JsonPropertyName("approximateArrivalTimestamp")]
        [JsonConverter(typeof(UnixSecondsConverter))]
        public DateTimeOffset ApproximateArrivalTimestamp { get; set; }
    }
}

/// <summary>The answer of a function that reports partial batch failures (FunctionResponseTypes: ReportBatchItemFailures).</summary>
public sealed class StreamsEventResponse
{
    [JsonPropertyName("batchItemFailures")]
    public IList<BatchItemFailure> BatchItemFailures { get; set; } = [];

    public sealed class BatchItemFailure
    {
        /// <summary>The sequence number of the first record that failed; processing resumes from it.</summary>
        [JsonPropertyName("itemIdentifier")]
        public string ItemIdentifier { get; set; } = "";
    }
}

/// <summary>Writes Lambda's fractional epoch seconds.</summary>
public sealed class UnixSecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(reader.GetDouble() * 1000));

    public override void Write(System.Text.Json.Utf8JsonWriter writer, DateTimeOffset value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.ToUnixTimeMilliseconds() / 1000.0);
}
