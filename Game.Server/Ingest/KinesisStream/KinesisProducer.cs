// Longer than our usual 300 lines on purpose: the gathering of appends into calls, the per-key ordering and the
// resend of refused records share one lock and one queue; split, each part would have to reach into the others.
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;

namespace Game.Server.Ingest.KinesisStream;

/// <summary>
/// The producer port over a Kinesis stream. Concurrent appends are gathered into PutRecords calls (at most
/// <c>MaxRecordsPerCall</c> records and <c>MaxBytesPerCall</c> bytes, after a linger of <c>LingerMilliseconds</c>
/// when a call would not be full, with up to <c>MaxCallsInFlight</c> calls at once). An append completes only
/// when Kinesis answered its record with a sequence number. Records answered with
/// ProvisionedThroughputExceededException or InternalFailure (or lost with their whole call) are sent again
/// after a jittered backoff, up to <c>MaxRecordAttempts</c> sends; then the append answers the refusal.
/// </summary>
/// <remarks>
/// Per-key order: only the oldest unacknowledged record of a partition key is ever eligible to be sent; the
/// key's next record waits behind it until it is acknowledged or finally refused. So two records of one key are
/// never in flight together, whatever the number of calls in flight, and a resend cannot overtake or be overtaken.
/// </remarks>
public sealed partial class KinesisProducer : IRecordProducer, IAsyncDisposable
{
    /// <summary>How long a stopping producer lets calls in flight finish before it abandons them.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly KinesisClient _client;
    private readonly string _streamName;
    private readonly int _maxRecordBytes;
    private readonly KinesisStreamOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<KinesisProducer> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<Pending>> _byKey = new(StringComparer.Ordinal);
    private readonly LinkedList<Pending> _ready = new();
    private readonly HashSet<Task> _calls = [];
    private readonly SemaphoreSlim _callSlots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abandon = new();
    private readonly Task _pump;
    private TaskCompletionSource? _readySignal;
    private int _buffered;
    private long _resends;
    private long _callCount;

    public KinesisProducer(KinesisClient client, IOptions<IngestOptions> options, TimeProvider time, ILogger<KinesisProducer> logger)
    {
        _client = client;
        _streamName = options.Value.StreamName;
        _maxRecordBytes = options.Value.MaxRecordBytes;
        _options = options.Value.Kinesis;
        _time = time;
        _logger = logger;
        _callSlots = new SemaphoreSlim(_options.MaxCallsInFlight, _options.MaxCallsInFlight);
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Records sent again after a per-record refusal or a lost call (a measure of throttling).</summary>
    public long Resends => Interlocked.Read(ref _resends);

    /// <summary>PutRecords calls made so far.</summary>
    public long Calls => Interlocked.Read(ref _callCount);

    public Task<AppendResult> AppendAsync(AppendRequest record, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Enqueue(record).WaitAsync(cancellationToken);
        }
    }

    public Task<AppendResult[]> AppendAsync(IReadOnlyList<AppendRequest> records, CancellationToken cancellationToken = default)
    {
        var appended = new Task<AppendResult>[records.Count];
        lock (_gate)
        {
            // Under one lock, so the records of one key queue in the order given.
            for (var i = 0; i < records.Count; i++)
            {
                appended[i] = Enqueue(records[i]);
            }
        }

        return Task.WhenAll(appended).WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _stopping.Cancel();
        }

        try
        {
            await _pump;
        }
        catch (OperationCanceledException)
        {
        }

        Task[] calls;
        lock (_gate)
        {
            calls = [.. _calls];
        }

        try
        {
            await Task.WhenAll(calls).WaitAsync(StopGrace, _time);
        }
        catch (TimeoutException)
        {
            await _abandon.CancelAsync();
            await Task.WhenAll(calls);
        }

        // Whatever was not acknowledged by now is refused, so no caller waits forever; a phone sends it again elsewhere.
        List<Pending> left;
        lock (_gate)
        {
            left = [.. _byKey.Values.SelectMany(q => q)];
            _byKey.Clear();
            _ready.Clear();
            _buffered = 0;
        }

        foreach (var pending in left)
        {
            pending.Completion.TrySetResult(Refusal("InternalFailure", "The producer stopped before Kinesis acknowledged the record."));
        }

        _callSlots.Dispose();
        _stopping.Dispose();
        _abandon.Dispose();
    }

    /// <summary>Queues a record behind its key's unacknowledged ones. Call under <see cref="_gate"/>.</summary>
    private Task<AppendResult> Enqueue(AppendRequest record)
    {
        var keyBytes = Encoding.UTF8.GetByteCount(record.PartitionKey);
        if (record.PartitionKey.Length is < 1 or > 256)
        {
            return Task.FromResult(Refusal("ValidationException", "A partition key has 1 to 256 characters."));
        }

        var bytes = record.Data.Length + keyBytes;
        if (record.Data.Length > _maxRecordBytes || bytes > _options.MaxBytesPerCall)
        {
            return Task.FromResult(Refusal("ValidationException",
                $"The record holds {record.Data.Length} bytes of data; at most {_maxRecordBytes} (Ingest:MaxRecordBytes), and {_options.MaxBytesPerCall} with its key (Ingest:Kinesis:MaxBytesPerCall)."));
        }

        if (_stopping.IsCancellationRequested)
        {
            return Task.FromResult(Refusal("InternalFailure", "The producer is stopping."));
        }

        if (_buffered >= _options.MaxBufferedRecords)
        {
            return Task.FromResult(Refusal("ProvisionedThroughputExceededException",
                $"The producer holds {_buffered} records waiting for Kinesis (Ingest:Kinesis:MaxBufferedRecords)."));
        }

        var pending = new Pending(record, bytes);
        _buffered++;
        if (!_byKey.TryGetValue(record.PartitionKey, out var queue))
        {
            _byKey[record.PartitionKey] = queue = new Queue<Pending>();
        }

        queue.Enqueue(pending);
        if (queue.Count == 1)
        {
            MakeReady(pending, first: false);
        }

        return pending.Completion.Task;
    }

    /// <summary>Call under <see cref="_gate"/>.</summary>
    private void MakeReady(Pending pending, bool first)
    {
        if (first)
        {
            _ready.AddFirst(pending);
        }
        else
        {
            _ready.AddLast(pending);
        }

        _readySignal?.TrySetResult();
        _readySignal = null;
    }

    private async Task PumpAsync()
    {
        var stopping = _stopping.Token;
        var linger = TimeSpan.FromMilliseconds(_options.LingerMilliseconds);
        while (!stopping.IsCancellationRequested)
        {
            await WhenReadyAsync().WaitAsync(stopping);
            await _callSlots.WaitAsync(stopping);
            var full = false;
            lock (_gate)
            {
                full = _ready.Count >= _options.MaxRecordsPerCall;
            }

            if (!full && linger > TimeSpan.Zero)
            {
                // Let concurrent appends join this call rather than each making its own.
                await Task.Delay(linger, _time, stopping);
            }

            var batch = TakeBatch();
            if (batch.Count == 0)
            {
                _callSlots.Release();
                continue;
            }

            var call = SendAsync(batch);
            lock (_gate)
            {
                if (!call.IsCompleted)
                {
                    _calls.Add(call);
                }
            }

            _ = call.ContinueWith(done =>
            {
                lock (_gate)
                {
                    _calls.Remove(done);
                }
            }, TaskScheduler.Default);
        }
    }

    private Task WhenReadyAsync()
    {
        lock (_gate)
        {
            if (_ready.Count > 0)
            {
                return Task.CompletedTask;
            }

            _readySignal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _readySignal.Task;
        }
    }

    private List<Pending> TakeBatch()
    {
        var batch = new List<Pending>();
        long bytes = 0;
        lock (_gate)
        {
            while (_ready.First is { } node && batch.Count < _options.MaxRecordsPerCall && bytes + node.Value.Bytes <= _options.MaxBytesPerCall)
            {
                _ready.RemoveFirst();
                batch.Add(node.Value);
                bytes += node.Value.Bytes;
            }
        }

        return batch;
    }

    private async Task SendAsync(List<Pending> batch)
    {
        try
        {
            await Task.Yield();
            foreach (var pending in batch)
            {
                pending.Attempts++;
            }

            var request = new PutRecordsRequest(_streamName, batch
                .Select(p => new PutRecordsRequestEntry(p.Record.Data, p.Record.PartitionKey, p.Record.ExplicitHashKey?.ToString(CultureInfo.InvariantCulture)))
                .ToList());
            Interlocked.Increment(ref _callCount);
            PutRecordsResponse response;
            try
            {
                response = await _client.PutRecordsAsync(request, _abandon.Token);
            }
            catch (KinesisServiceException ex) when (!ex.IsRetriable)
            {
                LogCallRefused(_logger, batch.Count, ex.ErrorType, ex.Message);
                foreach (var pending in batch)
                {
                    Complete(pending, Refusal(ex.ErrorType, ex.Message));
                }

                return;
            }
            catch (Exception ex)
            {
                // The call's fate is unknown (throttled as a whole, no answer, an answer we cannot read): resend
                // every record of it. Whatever happens, no append may be left without an answer.
                LogCallFailed(_logger, batch.Count, ex.Message);
                foreach (var pending in batch)
                {
                    Resend(pending, "InternalFailure", ex.Message);
                }

                return;
            }

            if (response.Records.Count != batch.Count)
            {
                LogCallFailed(_logger, batch.Count, $"PutRecords answered {response.Records.Count} records for {batch.Count}");
                foreach (var pending in batch)
                {
                    Resend(pending, "InternalFailure", "The endpoint answered a different number of records.");
                }

                return;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                var entry = response.Records[i];
                if (entry.SequenceNumber is { } sequenceNumber)
                {
                    Complete(batch[i], new AppendResult(entry.ShardId ?? "", sequenceNumber));
                }
                else if (entry.ErrorCode is "ProvisionedThroughputExceededException" or "InternalFailure")
                {
                    Resend(batch[i], entry.ErrorCode, entry.ErrorMessage ?? entry.ErrorCode);
                }
                else
                {
                    Complete(batch[i], Refusal(entry.ErrorCode ?? "InternalFailure", entry.ErrorMessage ?? "The record was refused."));
                }
            }
        }
        finally
        {
            _callSlots.Release();
        }
    }

    /// <summary>Sends the record again after a backoff, still at the head of its key, or gives up after the last attempt.</summary>
    private void Resend(Pending pending, string errorCode, string message)
    {
        if (pending.Attempts >= _options.MaxRecordAttempts || _stopping.IsCancellationRequested)
        {
            LogRecordRefused(_logger, pending.Record.PartitionKey, pending.Attempts, errorCode);
            Complete(pending, Refusal(errorCode, message));
            return;
        }

        Interlocked.Increment(ref _resends);
        _ = ResendAfterAsync(pending, _client.Backoff(pending.Attempts - 1));
    }

    private async Task ResendAfterAsync(Pending pending, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // Stopping: DisposeAsync refuses what is left.
            return;
        }

        lock (_gate)
        {
            if (!_stopping.IsCancellationRequested)
            {
                // First in line: it has waited longest, and its key's later records wait for it.
                MakeReady(pending, first: true);
            }
        }
    }

    private void Complete(Pending pending, AppendResult result)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue(pending.Record.PartitionKey, out var queue) && queue.TryPeek(out var head) && ReferenceEquals(head, pending))
            {
                queue.Dequeue();
                _buffered--;
                if (queue.TryPeek(out var next))
                {
                    MakeReady(next, first: false);
                }
                else
                {
                    _byKey.Remove(pending.Record.PartitionKey);
                }
            }
        }

        pending.Completion.TrySetResult(result);
    }

    private static AppendResult Refusal(string errorCode, string message) => new("", null, errorCode, message);

    private sealed class Pending(AppendRequest record, int bytes)
    {
        public AppendRequest Record { get; } = record;

        /// <summary>Data plus partition key, as Kinesis counts a request's size.</summary>
        public int Bytes { get; } = bytes;

        public int Attempts { get; set; }

        public TaskCompletionSource<AppendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A PutRecords call of {Count} records failed ({Reason}); its records are sent again")]
    private static partial void LogCallFailed(ILogger logger, int count, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A PutRecords call of {Count} records was refused: {ErrorType}: {Message}")]
    private static partial void LogCallRefused(ILogger logger, int count, string errorType, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A record for {PartitionKey} was refused after {Attempts} sends: {ErrorCode}")]
    private static partial void LogRecordRefused(ILogger logger, string partitionKey, int attempts, string errorCode);
}
