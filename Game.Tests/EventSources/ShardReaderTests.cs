using System.Globalization;
using System.Text;
using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Server.EventSources;
using Game.Server.EventSources.Leases;
using Game.Server.EventSources.Sources;
using Microsoft.Extensions.Logging.Abstractions;

namespace Game.Tests.EventSources;

/// <summary>
/// The shard reader's loop over a scripted source (a closed shard with lineage, read by sequence number, as a
/// Kinesis shard is) and an in-memory lease store: batches in order, pipelined checkpoints, rewinds, fencing.
/// </summary>
public sealed class ShardReaderTests : IDisposable
{
    private const string ShardId = "shardId-000000000007";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly InstantDelays _time = new(DateTimeOffset.Parse("2026-11-28T12:00:00Z", CultureInfo.InvariantCulture));
    private readonly FunctionMetrics _metrics = new();
    private readonly RecordingTarget _target = new();
    private readonly MemoryLeases _leases = new();

    public void Dispose() => _metrics.Dispose();

    private ShardReader Reader(ScriptedSource source, int batchSize = 2, Lease? lease = null, ShardReadLag? lag = null) => new(
        "fn", ShardId, "me", source, _leases, new EventSourceMappingOptions { BatchSize = batchSize }, _target, _metrics, _time, NullLogger.Instance, lease, lag);

    private static string Seq(int n) => (1000 + n).ToString(CultureInfo.InvariantCulture);

    private async Task<ShardReaderOutcome> RunAsync(ShardReader reader) =>
        await _time.RunAsync(reader.RunAsync(CancellationToken.None)).WaitAsync(Patience);

    [Fact]
    public async Task Run_ClosedShard_ProcessesEveryRecordInOrderCheckpointsTheLastThenShardEnd()
    {
        var outcome = await RunAsync(Reader(new ScriptedSource(5, closed: true)));

        Assert.Equal(ShardReaderOutcome.ShardEnded, outcome);
        Assert.Equal([[1, 2], [3, 4], [5]], _target.Batches);
        Assert.Equal([Seq(2), Seq(4), Seq(5), Lease.ShardEnd], _leases.Written);
    }

    [Fact]
    public async Task Run_LeaseAlreadyShardEnd_EndsWithoutReading()
    {
        _leases.Checkpoint = Lease.ShardEnd;

        var outcome = await RunAsync(Reader(new ScriptedSource(5, closed: true)));

        Assert.Equal(ShardReaderOutcome.ShardEnded, outcome);
        Assert.Empty(_target.Batches);
        Assert.Empty(_leases.Written);
    }

    [Fact]
    public async Task Run_LeaseTakenByTheCoordinator_ReadsUnderItWithoutAcquiringAgain()
    {
        var taken = new Lease { LeaseKey = "fn/scripted/" + ShardId, Owner = "me", LeaseCounter = 7, Checkpoint = Seq(2) };

        await RunAsync(Reader(new ScriptedSource(4, closed: true), lease: taken));

        Assert.Equal(0, _leases.Acquired);
        Assert.Equal([[3, 4]], _target.Batches);
        Assert.Equal([7L, 7L], _leases.Counters);
    }

    [Fact]
    public async Task Run_LeaseCheckpointed_ResumesAfterIt()
    {
        _leases.Checkpoint = Seq(3);

        await RunAsync(Reader(new ScriptedSource(5, closed: true)));

        Assert.Equal([[4, 5]], _target.Batches);
    }

    [Fact]
    public async Task Run_CheckpointFailsOnce_GoesBackToTheLastWrittenCheckpointAndReadsOn()
    {
        _leases.FailWrite = Seq(4);

        var outcome = await RunAsync(Reader(new ScriptedSource(6, closed: true)));

        // The checkpoint at 4 is written while [5, 6] is processed; its failure sends the reader back to 2.
        Assert.Equal(ShardReaderOutcome.ShardEnded, outcome);
        Assert.Equal([[1, 2], [3, 4], [5, 6], [3, 4], [5, 6]], _target.Batches);
        Assert.Equal([Seq(2), Seq(4), Seq(6), Lease.ShardEnd], _leases.Written);
    }

    [Fact]
    public async Task Run_CheckpointRefusedWhileRecordsKeepComing_StopsAtTheNextBatch()
    {
        _leases.RefuseFrom = Seq(2);

        var outcome = await RunAsync(Reader(new ScriptedSource(6, closed: true)));

        // One checkpoint in flight: the batch after the refused one was already invoked when the refusal landed.
        Assert.Equal(ShardReaderOutcome.LeaseLost, outcome);
        Assert.Equal([[1, 2], [3, 4]], _target.Batches);
        Assert.Empty(_leases.Written);
    }

    [Fact]
    public async Task Run_CheckpointRefusedAndNoMoreRecords_StopsBeforeWaitingForMore()
    {
        _leases.RefuseFrom = Seq(2);

        // An open shard with nothing after 2: the reader would wait for ever unless the checkpoint lands first.
        var outcome = await RunAsync(Reader(new ScriptedSource(2, closed: false)));

        Assert.Equal(ShardReaderOutcome.LeaseLost, outcome);
        Assert.Equal([[1, 2]], _target.Batches);
    }

    [Fact]
    public async Task Run_ReadsBehindTheTip_TheTargetsIteratorAgeCountsFromTheReadsLag()
    {
        // Every read says it is 4 s behind the tip (Kinesis' MillisBehindLatest), while the records' arrival stamps
        // (another clock's) look as new as now: the age at each invocation is the lag, not zero.
        var lag = new ShardReadLag(_time);
        var ages = new List<TimeSpan>();
        _target.OnInvoke = _ => ages.Add(lag.AgeOf(_time.GetUtcNow()));

        Assert.Equal(ShardReaderOutcome.ShardEnded, await RunAsync(Reader(new ScriptedSource(4, closed: true, behind: TimeSpan.FromSeconds(4)), lag: lag)));

        Assert.Equal([TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4)], ages);
    }

    [Fact]
    public async Task Run_HostStops_LandsTheLastCheckpointAndAnswersStopped()
    {
        var source = new ScriptedSource(2, closed: false);
        using var stop = new CancellationTokenSource();
        var reader = Reader(source).RunAsync(stop.Token);

        await source.Waiting.Task.WaitAsync(Patience);
        await stop.CancelAsync();

        Assert.Equal(ShardReaderOutcome.Stopped, await reader.WaitAsync(Patience));
        Assert.Equal(Seq(2), _leases.Checkpoint);
    }

    /// <summary>
    /// One shard of records 1..count with sequence numbers 1001.., Kinesis-style: positions are sequence numbers,
    /// and a closed shard answers SHARD_END with its children once read to the end.
    /// </summary>
    private sealed class ScriptedSource(int count, bool closed, TimeSpan? behind = null) : IShardSource
    {
        public int Count => count;

        public bool Closed => closed;

        public TimeSpan? Behind => behind;

        public TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string StreamName => "scripted";

        public Task<IReadOnlyList<SourceShard>> ListShardsAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SourceShard>>([new SourceShard(ShardId, ["shardId-000000000001"])]);

        public Task<IShardCursor> OpenAsync(string shardId, ShardPosition position, CancellationToken cancellationToken)
        {
            Assert.Equal(ShardId, shardId);
            var next = position.AfterSequenceNumber is { } after ? int.Parse(after, CultureInfo.InvariantCulture) - 1000 + 1 : 1;
            return Task.FromResult<IShardCursor>(new Cursor(this, position, next));
        }

        private sealed class Cursor(ScriptedSource source, ShardPosition origin, int next) : IShardCursor
        {
            public ShardPosition Position => next == 1 ? origin : origin.After(Seq(next - 1));

            private int Readable => source.Count - next + 1;

            public async Task<bool> WaitForRecordsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
            {
                // A closed shard's end is readable too: the next read answers SHARD_END.
                if (Readable >= count || source.Closed)
                {
                    return true;
                }

                if (timeout == TimeSpan.Zero)
                {
                    return false;
                }

                source.Waiting.TrySetResult();
                await Task.Delay(timeout, cancellationToken);
                return Readable >= count;
            }

            public Task<ShardRead> ReadAsync(int maxRecords, CancellationToken cancellationToken)
            {
                var records = Enumerable.Range(next, Math.Min(maxRecords, Readable))
                    .Select(n => new StreamRecord(Seq(n), "p", Encoding.UTF8.GetBytes($"{n}"), DateTimeOffset.UnixEpoch))
                    .ToList();
                next += records.Count;
                var ended = source.Closed && Readable == 0;
                return Task.FromResult(new ShardRead(records, ended, ended ? ["shardId-000000000009"] : null, source.Behind));
            }
        }
    }

    /// <summary>The function: records the record numbers of each batch and succeeds.</summary>
    private sealed class RecordingTarget : IWindowedShardTarget
    {
        public List<int[]> Batches { get; } = [];

        public Action<IReadOnlyList<StreamRecord>>? OnInvoke { get; set; }

        public Task<InvocationResult> InvokeAsync(int lane, IReadOnlyList<StreamRecord> records, CancellationToken cancellationToken)
        {
            OnInvoke?.Invoke(records);
            Batches.Add(records.Select(r => int.Parse(r.SequenceNumber, CultureInfo.InvariantCulture) - 1000).ToArray());
            return Task.FromResult(new InvocationResult { Succeeded = true });
        }

        public Task<InvocationResult> InvokeWindowAsync(IReadOnlyList<StreamRecord> records, WindowInput window, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("No tumbling window here.");

        public Task DeliverFailureAsync(FailedRecords failed, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("Nothing fails here.");
    }

    /// <summary>One lease in memory; a checkpoint write can fail once, or be refused as if another processor took the lease.</summary>
    private sealed class MemoryLeases : IShardLeaseStore
    {
        public string? Checkpoint { get; set; }

        public string? FailWrite { get; set; }

        public string? RefuseFrom { get; set; }

        public List<string> Written { get; } = [];

        public List<long> Counters { get; } = [];

        public int Acquired { get; private set; }

        public Task<Lease> AcquireLeaseAsync(string leaseKey, string owner, CancellationToken cancellationToken)
        {
            Assert.Equal("fn/scripted/" + ShardId, leaseKey);
            Acquired++;
            return Task.FromResult(new Lease { LeaseKey = leaseKey, Owner = owner, LeaseCounter = 1, Checkpoint = Checkpoint });
        }

        public async Task SetCheckpointAsync(string leaseKey, string sequenceNumber, long leaseCounter, CancellationToken cancellationToken)
        {
            // Written behind the reader: answer later, as a store would.
            await Task.Yield();
            if (RefuseFrom is not null && string.CompareOrdinal(sequenceNumber, RefuseFrom) >= 0)
            {
                throw new LeaseLostException(leaseKey, leaseCounter);
            }

            if (sequenceNumber == FailWrite)
            {
                FailWrite = null;
                throw new IOException("The store is away.");
            }

            Written.Add(sequenceNumber);
            Counters.Add(leaseCounter);
            Checkpoint = sequenceNumber;
        }

        // The reader only acquires and checkpoints; the lease table's other rows are the coordinator's.
        public Task<IReadOnlyList<Lease>> ListLeasesAsync(string keyPrefix, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> CreateLeaseIfMissingAsync(string leaseKey, IReadOnlyList<string> parentShardIds, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Lease?> TakeLeaseAsync(string leaseKey, string owner, long expectedCounter, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> RenewLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> ReleaseLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> DeleteFinishedLeaseAsync(string leaseKey, long leaseCounter, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> DeleteLeaseAsync(string leaseKey, string owner, long leaseCounter, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
