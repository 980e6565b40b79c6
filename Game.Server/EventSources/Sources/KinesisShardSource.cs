using System.Collections.Concurrent;
using Game.Functions.Contracts;
using Game.Server.Ingest;
using Game.Server.Ingest.KinesisStream;
using Microsoft.Extensions.Options;

namespace Game.Server.EventSources.Sources;

/// <summary>
/// A Kinesis stream (<c>Ingest:Provider=Kinesis</c>) as a shard source, read over its API like Lambda's standard
/// (shared-throughput) consumer: ListShards for the shards and their lineage, GetShardIterator to open a cursor, and
/// a GetRecords loop that follows <c>NextShardIterator</c> until SHARD_END.
/// </summary>
/// <remarks>
/// <para><b>Read limits.</b> Kinesis allows five GetRecords calls per second per shard, shared by every reader of
/// the shard. Every cursor of this source on one shard (one per mapping) takes its calls from one gate, spaced at
/// least 1 / <see cref="KinesisStreamOptions.MaxGetRecordsPerSecondPerShard"/> apart. A cursor that got a full
/// answer, or is still behind the shard's tip, calls again as soon as the gate allows; one that is up to date waits
/// <see cref="KinesisStreamOptions.PollIntervalMilliseconds"/> (200 ms by default: the floor the limit allows, and
/// well under Lambda's one poll per second).</para>
/// <para><b>Errors.</b> Throttling (ProvisionedThroughputExceededException) is retried by the client with backoff;
/// when it persists beyond the client's retries the cursor backs off itself (doubling up to 5 s) and answers no
/// records meanwhile. An expired iterator is got again just after the last record fetched. Anything else (the
/// endpoint unreachable beyond the client's retries) reaches the <see cref="ShardReader"/>, which opens a new
/// cursor at its last checkpoint after its own backoff.</para>
/// <para><b>Time.</b> Records carry Kinesis' <c>ApproximateArrivalTimestamp</c> as their arrival time: the scoring's
/// fairness rule takes it as the server's clock, and IteratorAge is measured from it.</para>
/// </remarks>
public sealed partial class KinesisShardSource : IShardSource
{
    private static readonly TimeSpan MaxThrottleBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxListBackoff = TimeSpan.FromSeconds(5);

    private readonly KinesisClient _client;
    private readonly KinesisStreamOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<KinesisShardSource> _logger;
    private readonly ConcurrentDictionary<string, ReadGate> _gates = new();

    public KinesisShardSource(KinesisClient client, IOptions<IngestOptions> options, TimeProvider time, ILogger<KinesisShardSource> logger)
    {
        _client = client;
        _options = options.Value.Kinesis;
        StreamName = options.Value.StreamName;
        _time = time;
        _logger = logger;
    }

    public string StreamName { get; }

    /// <summary>The wait after a GetRecords call that brought the cursor up to date.</summary>
    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(_options.PollIntervalMilliseconds);

    /// <summary>The least time between two GetRecords calls on one shard from this node.</summary>
    public TimeSpan MinCallSpacing => TimeSpan.FromSeconds(1.0 / _options.MaxGetRecordsPerSecondPerShard);

    /// <summary>Every shard, open and closed, every page of ListShards; retried while the endpoint is unavailable (the poller has no retry of its own).</summary>
    public async Task<IReadOnlyList<SourceShard>> ListShardsAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                var shards = await _client.ListAllShardsAsync(StreamName, cancellationToken: cancellationToken);
                return shards
                    .Select(s => new SourceShard(s.ShardId, new[] { s.ParentShardId, s.AdjacentParentShardId }.OfType<string>().ToList()))
                    .ToList();
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException || ex is KinesisServiceException { IsRetriable: true })
            {
                LogListFailed(_logger, ex, StreamName, backoff.TotalMilliseconds);
                await Task.Delay(backoff, _time, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxListBackoff.Ticks));
            }
        }
    }

    public async Task<IShardCursor> OpenAsync(string shardId, ShardPosition position, CancellationToken cancellationToken)
    {
        var cursor = new Cursor(this, shardId, position, _gates.GetOrAdd(shardId, _ => new ReadGate()));
        await cursor.OpenIteratorAsync(cancellationToken);
        return cursor;
    }

    /// <summary>GetShardIterator for a position; a sequence number the shard does not know reads from the starting position, as a fresh lease would.</summary>
    private async Task<string> IteratorAsync(string shardId, ShardPosition position, CancellationToken cancellationToken)
    {
        if (position.AfterSequenceNumber is { } after)
        {
            try
            {
                return await _client.GetShardIteratorAsync(
                    new GetShardIteratorRequest(StreamName, shardId, ShardIteratorType.AfterSequenceNumber, StartingSequenceNumber: after), cancellationToken);
            }
            catch (InvalidArgumentException ex)
            {
                LogForeignCheckpoint(_logger, shardId, after, position.Start, ex.Message);
            }
        }

        var request = position.Start switch
        {
            StartingPosition.LATEST => new GetShardIteratorRequest(StreamName, shardId, ShardIteratorType.Latest),
            StartingPosition.AT_TIMESTAMP => new GetShardIteratorRequest(StreamName, shardId, ShardIteratorType.AtTimestamp, Timestamp: position.Timestamp),
            _ => new GetShardIteratorRequest(StreamName, shardId, ShardIteratorType.TrimHorizon),
        };
        return await _client.GetShardIteratorAsync(request, cancellationToken);
    }

    /// <summary>
    /// One shard's GetRecords budget on this node, shared by every mapping's cursor: calls are spaced at least
    /// <see cref="MinCallSpacing"/> apart. A call reserves its slot only when it will make it.
    /// </summary>
    private sealed class ReadGate
    {
        private readonly Lock _lock = new();
        private DateTimeOffset _next = DateTimeOffset.MinValue;

        /// <summary>Reserves the earliest slot not after <paramref name="latest"/> and answers it; null (nothing reserved) when that is too late.</summary>
        public DateTimeOffset? TryReserve(DateTimeOffset now, DateTimeOffset earliest, DateTimeOffset latest, TimeSpan spacing)
        {
            lock (_lock)
            {
                var slot = new[] { now, earliest, _next }.Max();
                if (slot > latest)
                {
                    return null;
                }

                _next = slot + spacing;
                return slot;
            }
        }
    }

    /// <summary>A shard iterator with the records it fetched and not yet handed out.</summary>
    private sealed class Cursor(KinesisShardSource source, string shardId, ShardPosition origin, ReadGate gate) : IShardCursor
    {
        private readonly Queue<StreamRecord> _buffer = new();
        private string? _iterator;
        private string? _lastRead;
        private string? _lastFetched;
        private bool _ended;
        private IReadOnlyList<string>? _children;
        private TimeSpan? _behindLatest;
        private DateTimeOffset _nextPoll = DateTimeOffset.MinValue;
        private TimeSpan _throttleBackoff = TimeSpan.Zero;

        public ShardPosition Position => _lastRead is null ? origin : origin.After(_lastRead);

        private TimeProvider Time => source._time;

        private bool Satisfied(int count) => _buffer.Count >= count || _ended;

        public async Task OpenIteratorAsync(CancellationToken cancellationToken) =>
            _iterator = await source.IteratorAsync(shardId, origin, cancellationToken);

        public async Task<bool> WaitForRecordsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var now = Time.GetUtcNow();
            var deadline = timeout == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : now + (timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout);
            while (!Satisfied(count))
            {
                now = Time.GetUtcNow();
                if (gate.TryReserve(now, _nextPoll, deadline, source.MinCallSpacing) is not { } slot)
                {
                    // The next call the read limits allow is after the deadline: sleep out the rest and answer.
                    if (deadline > now && deadline != DateTimeOffset.MaxValue)
                    {
                        await Task.Delay(deadline - now, Time, cancellationToken);
                    }

                    return Satisfied(count);
                }

                if (slot > now)
                {
                    await Task.Delay(slot - now, Time, cancellationToken);
                }

                await FetchAsync(cancellationToken);
            }

            return true;
        }

        public Task<ShardRead> ReadAsync(int maxRecords, CancellationToken cancellationToken)
        {
            var records = new List<StreamRecord>(Math.Min(maxRecords, _buffer.Count));
            while (records.Count < maxRecords && _buffer.TryDequeue(out var record))
            {
                records.Add(record);
            }

            if (records.Count > 0)
            {
                _lastRead = records[^1].SequenceNumber;
            }

            var ended = _ended && _buffer.Count == 0;
            return Task.FromResult(new ShardRead(records, ended, ended ? _children : null, _behindLatest));
        }

        /// <summary>One GetRecords call (its slot already taken), its records buffered; the next poll time set by what it answered.</summary>
        private async Task FetchAsync(CancellationToken cancellationToken)
        {
            GetRecordsResponse response;
            try
            {
                response = await source._client.GetRecordsAsync(new GetRecordsRequest(_iterator!, source._options.GetRecordsLimit), cancellationToken);
            }
            catch (ExpiredIteratorException)
            {
                // Iterators live five minutes; a reader stuck on a failing batch outlives its own. Continue just
                // after what this cursor already holds, so nothing is skipped or fetched twice.
                LogIteratorExpired(source._logger, shardId, _lastFetched ?? origin.ToString());
                _iterator = await source.IteratorAsync(shardId, _lastFetched is null ? origin : origin.After(_lastFetched), cancellationToken);
                return;
            }
            catch (ProvisionedThroughputExceededException ex)
            {
                // The client's own retries did not get through: other readers use the shard's budget. Back off further.
                _throttleBackoff = _throttleBackoff == TimeSpan.Zero
                    ? source.PollInterval + source.MinCallSpacing
                    : TimeSpan.FromTicks(Math.Min(_throttleBackoff.Ticks * 2, MaxThrottleBackoff.Ticks));
                _nextPoll = Time.GetUtcNow() + _throttleBackoff;
                LogThrottled(source._logger, shardId, _throttleBackoff.TotalMilliseconds, ex.Message);
                return;
            }

            _throttleBackoff = TimeSpan.Zero;
            var arrivedBy = Time.GetUtcNow();
            foreach (var record in response.Records)
            {
                _buffer.Enqueue(new StreamRecord(record.SequenceNumber, record.PartitionKey, record.Data, record.ApproximateArrivalTimestamp ?? arrivedBy));
            }

            if (response.Records.Count > 0)
            {
                _lastFetched = response.Records[^1].SequenceNumber;
            }

            _behindLatest = response.MillisBehindLatest is { } behind ? TimeSpan.FromMilliseconds(behind) : null;
            _iterator = response.NextShardIterator;
            if (_iterator is null)
            {
                // SHARD_END: the shard was split or merged away and every record of it has been fetched.
                _ended = true;
                _children = response.ChildShards?.Select(c => c.ShardId).ToList() ?? [];
                return;
            }

            var behindTip = response.Records.Count >= source._options.GetRecordsLimit || response.MillisBehindLatest > 0;
            _nextPoll = behindTip ? arrivedBy : arrivedBy + source.PollInterval;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing the shards of Kinesis stream {Stream} failed; retrying in {DelayMs:F0} ms")]
    private static partial void LogListFailed(ILogger logger, Exception exception, string stream, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint {SequenceNumber} is not a position in {ShardId} ({Reason}); reading from {Start} instead")]
    private static partial void LogForeignCheckpoint(ILogger logger, string shardId, string sequenceNumber, StartingPosition start, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The iterator of {ShardId} expired; getting a new one after {Position}")]
    private static partial void LogIteratorExpired(ILogger logger, string shardId, string position);

    [LoggerMessage(Level = LogLevel.Warning, Message = "GetRecords on {ShardId} is throttled; backing off {DelayMs:F0} ms ({Reason})")]
    private static partial void LogThrottled(ILogger logger, string shardId, double delayMs, string reason);
}
