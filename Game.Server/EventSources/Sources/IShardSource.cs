using Game.Functions.Contracts;

namespace Game.Server.EventSources.Sources;

/// <summary>
/// A stream as the event source mappings read it: its shards, and a cursor per shard. The embedded stream is one
/// implementation (<see cref="EmbeddedShardSource"/>); a Kinesis stream read over its API (ListShards,
/// GetShardIterator, GetRecords) is meant to be another, under the same <see cref="ShardReader"/> loop.
/// </summary>
/// <remarks>
/// <para><b>Ordering.</b> Within a shard, records come in sequence-number order, each once per cursor; nothing is
/// promised across shards. A child shard's records follow its parents' (<see cref="SourceShard.ParentShardIds"/>),
/// so a child is read only after every parent has ended (<see cref="ShardRead.ShardEnded"/>).</para>
/// <para><b>Positions.</b> A <see cref="ShardPosition"/> is either just after a record, named by its sequence
/// number (Kinesis' decimal string; the embedded stream's are its own 28-digit ones, see
/// <c>Ingest/SequenceNumber.cs</c>), or one of the mapping's starting positions not yet resolved to a record.
/// Checkpoints in the lease store are those sequence-number strings, so they mean the same thing to every
/// source that serves the stream.</para>
/// </remarks>
public interface IShardSource
{
    /// <summary>The stream's name (the event's <c>eventSourceARN</c> and the lease keys use it).</summary>
    string StreamName { get; }

    /// <summary>
    /// The shards to read, open and closed, with their lineage (Kinesis: ListShards, every page; the embedded
    /// stream's map, which a reshard changes).
    /// </summary>
    Task<IReadOnlyList<SourceShard>> ListShardsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A cursor on one shard, reading from <paramref name="position"/> (Kinesis: GetShardIterator with
    /// AFTER_SEQUENCE_NUMBER, or the position's starting type). A sequence number this source cannot read after
    /// (not one of this shard's) reads from the position's starting position instead, as a fresh lease would.
    /// </summary>
    Task<IShardCursor> OpenAsync(string shardId, ShardPosition position, CancellationToken cancellationToken);
}

/// <summary>
/// One reader's place in one shard, like a Kinesis shard iterator with its records buffered: it moves forward
/// as records are read, and is thrown away (and opened again at the last checkpoint) after an error.
/// </summary>
/// <remarks>Used by one reader at a time; not thread-safe.</remarks>
public interface IShardCursor
{
    /// <summary>
    /// Where the cursor stands: just after the last record <see cref="ReadAsync"/> answered, or where it was
    /// opened. Opening a cursor at this position again reads the same records next. A source that resolves
    /// starting positions when opening (the embedded stream) answers a sequence number at once, so a rewind to
    /// it does not move a LATEST start forward; a Kinesis cursor answers the starting position until its first
    /// record.
    /// </summary>
    ShardPosition Position { get; }

    /// <summary>
    /// Waits until at least <paramref name="count"/> records can be read after <see cref="Position"/>, or the
    /// shard is closed and no more will come (what is left, possibly nothing, is readable now); answers false
    /// when <paramref name="timeout"/> passes first
    /// (<see cref="Timeout.InfiniteTimeSpan"/> for none; <see cref="TimeSpan.Zero"/> answers at once whether
    /// that many are readable now). The timeout runs on the source's <see cref="TimeProvider"/>.
    /// </summary>
    /// <remarks>
    /// The embedded stream is woken when a commit makes records durable. A polling source (Kinesis) instead
    /// calls GetRecords at its poll interval within the shard's read limits, keeps what it got for the next
    /// <see cref="ReadAsync"/>, and answers true once it holds enough; with a zero timeout it answers from what
    /// it holds, or from one GetRecords call when the read limits allow it now.
    /// </remarks>
    Task<bool> WaitForRecordsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Reads up to <paramref name="maxRecords"/> records after <see cref="Position"/>, in order, without waiting
    /// for new ones (none when none are readable now), and moves past them.
    /// </summary>
    Task<ShardRead> ReadAsync(int maxRecords, CancellationToken cancellationToken);
}

/// <summary>A shard of the stream and the shards it was split or merged from.</summary>
/// <param name="ShardId">Kinesis' form, <c>shardId-000000000000</c>.</param>
/// <param name="ParentShardIds">The parent and, after a merge, the adjacent parent; empty for an original shard.</param>
public sealed record SourceShard(string ShardId, IReadOnlyList<string> ParentShardIds);

/// <summary>What one read answered.</summary>
/// <param name="Records">The records, in order; possibly none.</param>
/// <param name="ShardEnded">
/// The shard is closed and every record of it has been read (Kinesis: no NextShardIterator, SHARD_END): the
/// reader checkpoints and stops, and the shard's children may start.
/// </param>
/// <param name="ChildShardIds">With <paramref name="ShardEnded"/>: the shards that continue this one, when the source says.</param>
/// <param name="BehindLatest">How far the read is behind the shard's newest record (Kinesis: MillisBehindLatest); null when the source does not say.</param>
public sealed record ShardRead(
    IReadOnlyList<StreamRecord> Records,
    bool ShardEnded = false,
    IReadOnlyList<string>? ChildShardIds = null,
    TimeSpan? BehindLatest = null);

/// <summary>
/// Where to read a shard from: just after <see cref="AfterSequenceNumber"/> when it is set, otherwise the
/// mapping's starting position (Kinesis' iterator types AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP).
/// </summary>
/// <remarks>
/// The starting position is kept beside the sequence number so that a source can fall back to it when the
/// sequence number is not one it can read after (a checkpoint written for another stream).
/// </remarks>
public readonly record struct ShardPosition(StartingPosition Start, DateTimeOffset? Timestamp = null, string? AfterSequenceNumber = null)
{
    /// <summary>A mapping's starting position.</summary>
    public static ShardPosition StartOf(EventSourceMappingOptions options) =>
        new(options.StartingPosition, options.StartingPositionTimestamp);

    /// <summary>Just after the record with <paramref name="sequenceNumber"/>; the starting position when it is null.</summary>
    public ShardPosition After(string? sequenceNumber) => this with { AfterSequenceNumber = sequenceNumber };

    public override string ToString() => AfterSequenceNumber is { } sequenceNumber
        ? $"AFTER_SEQUENCE_NUMBER {sequenceNumber}"
        : Start == StartingPosition.AT_TIMESTAMP ? $"AT_TIMESTAMP {Timestamp:O}" : Start.ToString();
}
