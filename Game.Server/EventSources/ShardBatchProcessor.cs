using System.Text;
using System.Text.Json;
using Game.Functions.Contracts;
using Game.Server.Ingest;
using MessagePack;

namespace Game.Server.EventSources;

/// <summary>Records an event source mapping gave up on, and why (Lambda's on-failure conditions).</summary>
public sealed record FailedRecords(IReadOnlyList<StreamRecord> Records, string Condition, string? Error, int Attempts)
{
    public const string RetryAttemptsExhausted = nameof(RetryAttemptsExhausted);
    public const string RecordAgeExceeded = nameof(RecordAgeExceeded);
}

/// <summary>What processing one polled batch did, for metrics and tests.</summary>
public sealed record ProcessingSummary(int FilteredOut, int Failed, int Invocations);

/// <summary>
/// Lambda's Kinesis event-source semantics for one polled batch of one shard: filtering, lanes by partition key
/// (ParallelizationFactor), retries with backoff, bisection, partial batch failures, record age, and the
/// on-failure destination. It returns only when every record either succeeded, was filtered out, or was handed
/// to the target's on-failure destination, so the caller may then move the checkpoint past the whole batch.
/// </summary>
/// <remarks>
/// Pure orchestration: invoking and the on-failure destination are the <see cref="IShardBatchTarget"/>, waiting is
/// the <see cref="TimeProvider"/>, so the rules are tested without a host.
/// </remarks>
public sealed class ShardBatchProcessor(EventSourceMappingOptions options, IShardBatchTarget target, TimeProvider time)
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);
    private static readonly MessagePackSerializerOptions MessagePackOptions = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    private readonly FilterPattern[] _filters = options.FilterCriteria.Select(FilterPattern.Parse).ToArray();

    public async Task<ProcessingSummary> ProcessAsync(IReadOnlyList<StreamRecord> records, CancellationToken cancellationToken)
    {
        var kept = _filters.Length == 0 ? records : records.Where(PassesFilters).ToList();
        var lanes = options.ParallelizationFactor == 1
            ? [kept]
            : kept.GroupBy(r => Lane(r.PartitionKey)).Select(g => (IReadOnlyList<StreamRecord>)g.ToList()).ToList();
        var results = await Task.WhenAll(lanes.Select((lane, index) => ProcessLaneAsync(index, lane, cancellationToken)));
        return new ProcessingSummary(records.Count - kept.Count, results.Sum(r => r.Failed), results.Sum(r => r.Invocations));
    }

    /// <summary>The lane of a partition key: stable, so one key's records always share a lane and keep their order.</summary>
    public int Lane(string partitionKey) => (int)(ShardMap.HashKey(partitionKey) % options.ParallelizationFactor);

    private async Task<(int Failed, int Invocations)> ProcessLaneAsync(int lane, IReadOnlyList<StreamRecord> records, CancellationToken cancellationToken)
    {
        var failed = 0;
        var invocations = 0;
        // Pending sub-batches in stream order; bisection replaces a batch by its two halves, left first.
        var pending = new LinkedList<IReadOnlyList<StreamRecord>>();
        if (records.Count > 0)
        {
            pending.AddFirst(records);
        }

        while (pending.First is { } node)
        {
            pending.RemoveFirst();
            var batch = node.Value;
            var attempts = 0;
            while (batch.Count > 0)
            {
                var (expired, fresh) = SplitExpired(batch);
                if (expired.Count > 0)
                {
                    await target.DeliverFailureAsync(new FailedRecords(expired, FailedRecords.RecordAgeExceeded, null, attempts), cancellationToken);
                    failed += expired.Count;
                    batch = fresh;
                    if (batch.Count == 0)
                    {
                        break;
                    }
                }

                invocations++;
                var result = await target.InvokeAsync(lane, batch, cancellationToken);
                if (result.Error is null && (result.Succeeded || !options.ReportsBatchItemFailures))
                {
                    break;
                }

                if (result.Error is null && result.FirstFailedSequenceNumber is { } firstFailed)
                {
                    // Partial failure: everything before the first failed record is done; retry from it.
                    var index = IndexOf(batch, firstFailed);
                    batch = batch.Skip(index).ToList();
                }
                else if (options.BisectBatchOnFunctionError && batch.Count > 1)
                {
                    var half = batch.Count / 2;
                    pending.AddFirst(batch.Skip(half).ToList());
                    pending.AddFirst(batch.Take(half).ToList());
                    break;
                }

                attempts++;
                if (options.MaximumRetryAttempts >= 0 && attempts > options.MaximumRetryAttempts)
                {
                    await target.DeliverFailureAsync(new FailedRecords(batch, FailedRecords.RetryAttemptsExhausted, result.Error ?? $"Reported failure at {result.FirstFailedSequenceNumber}", attempts), cancellationToken);
                    failed += batch.Count;
                    break;
                }

                await Task.Delay(RetryDelay(attempts), time, cancellationToken);
            }
        }

        return (failed, invocations);
    }

    private static int IndexOf(IReadOnlyList<StreamRecord> batch, string sequenceNumber)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].SequenceNumber == sequenceNumber)
            {
                return i;
            }
        }

        return 0;
    }

    private (IReadOnlyList<StreamRecord> Expired, IReadOnlyList<StreamRecord> Fresh) SplitExpired(IReadOnlyList<StreamRecord> batch)
    {
        if (options.MaximumRecordAgeInSeconds < 0)
        {
            return ([], batch);
        }

        var oldest = time.GetUtcNow().AddSeconds(-options.MaximumRecordAgeInSeconds);
        var expired = batch.TakeWhile(r => r.ArrivalTime < oldest).ToList();
        return expired.Count == 0 ? ([], batch) : (expired, batch.Skip(expired.Count).ToList());
    }

    private static TimeSpan RetryDelay(int attempts) =>
        TimeSpan.FromTicks(Math.Min(FirstRetryDelay.Ticks << Math.Min(attempts - 1, 16), MaxRetryDelay.Ticks));

    private bool PassesFilters(StreamRecord record)
    {
        if (ToFilterShape(record) is not { } shape)
        {
            return false;
        }

        return _filters.Any(f => f.Matches(shape));
    }

    /// <summary>
    /// The record as filters see it. Lambda filters the data as JSON; our phones' records are MessagePack, so they
    /// are read as the same JSON. Data that is neither cannot match a pattern on <c>data</c>.
    /// </summary>
    private static JsonElement? ToFilterShape(StreamRecord record)
    {
        string dataJson;
        var span = record.Data.AsSpan().TrimStart(" \t\r\n"u8);
        if (!span.IsEmpty && (span[0] == (byte)'{' || span[0] == (byte)'['))
        {
            dataJson = Encoding.UTF8.GetString(record.Data);
        }
        else
        {
            try
            {
                dataJson = MessagePackSerializer.ConvertToJson(record.Data, MessagePackOptions);
            }
            catch (MessagePackSerializationException)
            {
                dataJson = "null";
            }
        }

        try
        {
            using var data = JsonDocument.Parse(dataJson);
            var shape = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
            {
                ["partitionKey"] = record.PartitionKey,
                ["sequenceNumber"] = record.SequenceNumber,
                ["data"] = data.RootElement,
            });
            return shape;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
