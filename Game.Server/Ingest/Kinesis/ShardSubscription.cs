using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Game.Functions.Contracts;

namespace Game.Server.Ingest.Kinesis;

/// <summary>One event of a subscription's event stream: its type and JSON payload; an exception ends the stream.</summary>
public readonly record struct SubscriptionEvent(string Type, byte[] Json, bool IsException = false)
{
    public const string InitialResponse = "initial-response";

    public const string RecordsEvent = "SubscribeToShardEvent";
}

/// <summary>
/// One SubscribeToShard: pushes the shard's records to a consumer as they commit, woken by the stream's commit signal
/// (never by polling), each event with its <c>ContinuationSequenceNumber</c> and <c>MillisBehindLatest</c>; at
/// SHARD_END the last event carries <c>ChildShards</c> and no continuation, and the subscription ends. It also ends
/// after <see cref="EnhancedFanOutOptions.SubscriptionLifetimeSeconds"/>, or with an error event when another
/// subscription takes over or its consumer or stream goes away.
/// </summary>
public sealed class ShardSubscription
{
    /// <summary>At most this much record data per event (at least one record), so a catching-up consumer gets steady events.</summary>
    public const long MaxBytesPerEvent = 1024 * 1024;

    private readonly IngestStream _stream;
    private readonly EnhancedFanOutOptions _options;
    private readonly TimeProvider _time;
    private readonly ShardSubscriptions _registry;
    private readonly CancellationTokenSource _ended = new();
    private long _after;
    private EndReason? _endReason;

    internal ShardSubscription(StreamConsumer consumer, IngestStream stream, int shard, long after, EnhancedFanOutOptions options, TimeProvider time, ShardSubscriptions registry)
    {
        Consumer = consumer;
        Shard = shard;
        _stream = stream;
        _after = after;
        _options = options;
        _time = time;
        _registry = registry;
        StartedAt = time.GetUtcNow();
    }

    public StreamConsumer Consumer { get; }

    public int Shard { get; }

    public DateTimeOffset StartedAt { get; }

    internal (string Stream, string Consumer, long Epoch, int Shard) Key => (Consumer.StreamName, Consumer.Name, Consumer.ArnEpoch, Shard);

    private enum Wake
    {
        Records,
        Heartbeat,
        Expired,
        Ended,
        Aborted,
    }

    /// <summary>
    /// The events, starting with the initial response. Ends by itself (lifetime, SHARD_END, an error event) or when
    /// <paramref name="aborted"/> fires (the client went away, the server stops); either way the consumer's shard is free again.
    /// </summary>
    public async IAsyncEnumerable<SubscriptionEvent> EventsAsync([EnumeratorCancellation] CancellationToken aborted)
    {
        try
        {
            yield return new SubscriptionEvent(SubscriptionEvent.InitialResponse, "{}"u8.ToArray());
            using var expiry = new CancellationTokenSource(_options.SubscriptionLifetime, _time);
            using var running = CancellationTokenSource.CreateLinkedTokenSource(aborted, expiry.Token, _ended.Token);
            // The first event goes at once, records or not: the consumer learns where it stands without waiting.
            var eventDue = true;
            while (true)
            {
                if (Volatile.Read(ref _endReason) is { } reason)
                {
                    yield return Error(reason.Type, reason.Message);
                    yield break;
                }

                // Checked here too, not only while waiting: on a busy shard the subscription may never wait.
                if (expiry.IsCancellationRequested || aborted.IsCancellationRequested)
                {
                    yield break;
                }

                var records = _stream.Read(Shard, _after, KinesisOperations.MaxGetRecordsLimit, MaxBytesPerEvent);
                var next = _after;
                if (records.Count > 0)
                {
                    SequenceNumber.TryParse(records[^1].SequenceNumber, out _, out next);
                }

                var ended = _stream.IsShardEnded(Shard, next);
                if (records.Count > 0 || ended || eventDue)
                {
                    yield return RecordsEvent(records, next, ended);
                    _after = next;
                    eventDue = false;
                    if (ended)
                    {
                        yield break;
                    }

                    if (records.Count > 0)
                    {
                        // More may have committed meanwhile (or the budget cut this event short): read again first.
                        continue;
                    }
                }

                switch (await WaitAsync(running.Token, expiry.Token, aborted))
                {
                    case Wake.Heartbeat:
                        eventDue = true;
                        break;
                    case Wake.Expired or Wake.Aborted:
                        yield break;
                }
            }
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Lets go of the consumer's shard (also done when the events end); for a subscription whose events never started.</summary>
    internal void Release() => _registry.Release(this);

    /// <summary>Ends the subscription with an error event (another took over; the consumer or the stream is gone).</summary>
    internal void End(string errorType, string message)
    {
        Interlocked.CompareExchange(ref _endReason, new EndReason(errorType, message), null);
        _ended.Cancel();
    }

    /// <summary>Waits for a commit on the shard (or its close), a heartbeat, the lifetime's end or an error, whichever is first.</summary>
    private async Task<Wake> WaitAsync(CancellationToken running, CancellationToken expiry, CancellationToken aborted)
    {
        using var heartbeat = new CancellationTokenSource(_options.Heartbeat, _time);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(running, heartbeat.Token);
        try
        {
            await _stream.WaitForRecordsAsync(Shard, _after, waiting.Token);
            return Wake.Records;
        }
        catch (OperationCanceledException)
        {
            return aborted.IsCancellationRequested ? Wake.Aborted
                : _ended.IsCancellationRequested ? Wake.Ended
                : expiry.IsCancellationRequested ? Wake.Expired
                : Wake.Heartbeat;
        }
    }

    private SubscriptionEvent RecordsEvent(IReadOnlyList<StreamRecord> records, long next, bool ended)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("Records");
            foreach (var record in records)
            {
                writer.WriteStartObject();
                writer.WriteString("SequenceNumber", record.SequenceNumber);
                writer.WriteNumber("ApproximateArrivalTimestamp", record.ArrivalTime.ToUnixTimeMilliseconds() / 1000.0);
                writer.WriteBase64String("Data", record.Data);
                writer.WriteString("PartitionKey", record.PartitionKey);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (ended)
            {
                // SHARD_END: no continuation (the KCL reads its absence with ChildShards as the shard's end).
                KinesisOperations.WriteChildShards(writer, _stream.Map, Shard);
            }
            else
            {
                // The last record delivered, or where the subscription stands when none was: resume AFTER it.
                writer.WriteString("ContinuationSequenceNumber", SequenceNumber.Format(Shard, next));
            }

            var behind = records.Count == 0 || next >= _stream.LatestPosition(Shard)
                ? 0
                : Math.Max(0, (long)(_time.GetUtcNow() - records[^1].ArrivalTime).TotalMilliseconds);
            writer.WriteNumber("MillisBehindLatest", behind);
            writer.WriteEndObject();
        }

        return new SubscriptionEvent(SubscriptionEvent.RecordsEvent, buffer.WrittenSpan.ToArray());
    }

    internal static SubscriptionEvent Error(string errorType, string message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("message", message);
            writer.WriteEndObject();
        }

        return new SubscriptionEvent(errorType, buffer.WrittenSpan.ToArray(), IsException: true);
    }

    private sealed record EndReason(string Type, string Message);
}
