namespace Game.Server.Ingest;

/// <summary>
/// One stream of the catalog: the embedded stream itself and what Kinesis reports about it beside its records
/// (mode, creation time, tags).
/// </summary>
public sealed class StreamEntry
{
    internal StreamEntry(IngestStream stream, StreamMode mode, DateTimeOffset createdAt, bool isPrimary, IReadOnlyDictionary<string, string> tags)
    {
        Stream = stream;
        Mode = mode;
        CreatedAt = createdAt;
        IsPrimary = isPrimary;
        Tags = new SortedDictionary<string, string>(tags.ToDictionary(), StringComparer.Ordinal);
    }

    public string Name => Stream.Name;

    public IngestStream Stream { get; }

    public StreamMode Mode { get; internal set; }

    /// <summary>When the stream was created (the primary stream: when this data directory first held it).</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The stream the game reads and writes (<c>Ingest:StreamName</c>); it cannot be deleted.</summary>
    public bool IsPrimary { get; }

    /// <summary>
    /// Distinguishes this stream from an earlier one of the same name (its creation time), so what was issued for
    /// a deleted stream (shard iterators) is not taken by the new one. Empty for the primary stream, whose
    /// iterators stay as they were before the catalog existed.
    /// </summary>
    public string Incarnation => IsPrimary ? "" : "/" + CreatedAt.ToUnixTimeMilliseconds();

    /// <summary>A retention set over the API (always, for a created stream), kept across restarts; null keeps the configured one.</summary>
    internal int? StoredRetentionHours { get; set; }

    /// <summary>Tags by key, in key order; guarded by the catalog's lock.</summary>
    internal SortedDictionary<string, string> Tags { get; }
}
