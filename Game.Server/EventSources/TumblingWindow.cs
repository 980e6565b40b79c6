namespace Game.Server.EventSources;

/// <summary>
/// A shard's open tumbling window: its bounds (by record arrival, aligned to the epoch, as Lambda aligns them)
/// and the state the function answered last. Lives as long as the shard's reader; see docs/functions.md.
/// </summary>
public sealed class TumblingWindow(DateTimeOffset start, TimeSpan size)
{
    /// <summary>Lambda's limit on a window's state; past it the window ends early.</summary>
    public const int MaxStateBytes = 1024 * 1024;

    public DateTimeOffset Start { get; } = start;

    public DateTimeOffset End { get; } = start + size;

    public IReadOnlyDictionary<string, string> State { get; set; } = new Dictionary<string, string>();

    public bool StateTooLarge => State.Sum(kv => (long)kv.Key.Length + kv.Value.Length) * 2 > MaxStateBytes;

    /// <summary>The start of the window that holds <paramref name="arrival"/>.</summary>
    public static DateTimeOffset StartOf(DateTimeOffset arrival, TimeSpan size) =>
        DateTimeOffset.FromUnixTimeMilliseconds(arrival.ToUnixTimeMilliseconds() / (long)size.TotalMilliseconds * (long)size.TotalMilliseconds);
}
