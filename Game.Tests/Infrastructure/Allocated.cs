namespace Game.Tests.Infrastructure;

/// <summary>
/// Bytes allocated on the calling thread while an action runs: exact for code that stays on the thread, which is what
/// the allocation tests measure (a parse, a scan, a ledger update), and free of the machine's load, unlike a timing.
/// </summary>
public static class Allocated
{
    public static long By(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>The second of two runs: the first pays what happens once (JIT, static caches, lazily made formatters).</summary>
    public static long ByWarm(Action action)
    {
        By(action);
        return By(action);
    }
}
