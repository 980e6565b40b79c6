using System.ComponentModel.DataAnnotations;
using Game.Server.Ingest.KinesisStream;

namespace Game.Server.Ingest;

/// <summary>Which stream phones and producers write to.</summary>
public enum IngestProvider
{
    /// <summary>The embedded stream in this process (<see cref="IngestStream"/>).</summary>
    Embedded,

    /// <summary>A Kinesis stream at <c>Ingest:Kinesis:ServiceUrl</c> or in <c>Ingest:Kinesis:Region</c>.</summary>
    Kinesis,
}

/// <summary>The stream's settings, bound from the <c>Ingest</c> section.</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";

    /// <summary><c>Embedded</c> (default: the stream inside this server) or <c>Kinesis</c> (any Kinesis endpoint; see <see cref="Kinesis"/>).</summary>
    public IngestProvider Provider { get; set; } = IngestProvider.Embedded;

    /// <summary>The Kinesis endpoint, client and producer settings (<c>Ingest:Kinesis</c>); used when <see cref="Provider"/> is <c>Kinesis</c>.</summary>
    public KinesisStreamOptions Kinesis { get; set; } = new();

    /// <summary>The stream phones write to (embedded, or the Kinesis stream's name). Default <c>motion</c>.</summary>
    [Required, RegularExpression("^[a-zA-Z0-9_.-]{1,128}$")]
    public string StreamName { get; set; } = "motion";

    /// <summary>Fixed number of shards; each owns an equal range of the MD5 hash-key space. With Kinesis, the shards a missing stream is created with. Default 4.</summary>
    [Range(1, 64)]
    public int ShardCount { get; set; } = 4;

    /// <summary>Records older than this are trimmed. Default 24 h (Kinesis' default).</summary>
    [Range(1, 8760)]
    public int RetentionHours { get; set; } = 24;

    /// <summary>Records waiting for the disk, at most; beyond this, appends fail with ProvisionedThroughputExceededException instead of growing memory. Default 100,000.</summary>
    [Range(1, 10_000_000)]
    public int MaxPendingRecords { get; set; } = 100_000;

    /// <summary>Largest record data accepted, bytes. Default 1 MiB (Kinesis' long-standing limit).</summary>
    [Range(1, 10 * 1024 * 1024)]
    public int MaxRecordBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest request the Kinesis API accepts: the data and partition keys of one PutRecords call, bytes. Default 10 MiB (Kinesis' current limit).</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Access key id Kinesis clients sign with (SigV4). Default <c>AKIDGAMELOCAL</c>, a development credential: change it for any shared deployment.</summary>
    [Required, RegularExpression("^[A-Za-z0-9]{1,128}$")]
    public string AccessKeyId { get; set; } = "AKIDGAMELOCAL";

    /// <summary>Secret access key that goes with <see cref="AccessKeyId"/>; also keys the shard iterators' MACs. Default <c>game-local-secret</c>, a development credential.</summary>
    [Required, MinLength(8)]
    public string SecretAccessKey { get; set; } = "game-local-secret";

    /// <summary>How long a shard iterator stays usable after GetShardIterator or GetRecords issued it, seconds. Default 300 (Kinesis' 5 minutes).</summary>
    [Range(1, 86_400)]
    public int IteratorLifetimeSeconds { get; set; } = 300;

    /// <summary>
    /// Enforce Kinesis' per-shard write limits (<see cref="ShardRecordsPerSecond"/>, <see cref="ShardBytesPerSecond"/>),
    /// for producers that want to rehearse against them. Default false: the game's own load is far above 1,000 records/s per shard.
    /// </summary>
    public bool EnforceShardLimits { get; set; }

    /// <summary>With <see cref="EnforceShardLimits"/>: records per second per shard. Default 1,000 (Kinesis).</summary>
    [Range(1, 1_000_000)]
    public int ShardRecordsPerSecond { get; set; } = 1000;

    /// <summary>With <see cref="EnforceShardLimits"/>: bytes per second per shard (data plus partition key). Default 1 MiB (Kinesis).</summary>
    [Range(1, 1024 * 1024 * 1024)]
    public int ShardBytesPerSecond { get; set; } = 1024 * 1024;
}
