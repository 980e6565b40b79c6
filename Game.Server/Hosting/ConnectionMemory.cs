using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;

namespace Game.Server.Hosting;

/// <summary>
/// Kestrel's connection buffers (sockets' receive and send pipes, HTTP/1.1 headers) come from
/// <see cref="TrimmedBlockMemoryPool"/>s, which give back every few seconds the free blocks that were not needed since
/// the last time, instead of keeping every block ever lent.
/// </summary>
/// <remarks>
/// Kestrel's own pool (.NET 10) keeps each block it lends out, and gives free blocks back slowly: 1 % of them every
/// 10 seconds while there is any traffic (5 % when there is none). An idle connection holds no block (the socket
/// transport and SignalR's WebSockets wait for data before they rent one), but a burst of connections does: 1,000
/// phones connecting at once left 959 free blocks in Kestrel's pool (a heap dump of the server five seconds later:
/// 4.4 KB per phone of the 28.7 KB the heap grew by, docs/performance.md, "Idle phones (goal 5)"), and with the phones' pings every
/// 15 seconds they would have gone at 1 % a cycle (half of them after 12 minutes). A hall joins in a burst, and
/// reconnects in one after a restart.
/// </remarks>
public static class ConnectionMemory
{
    /// <summary>The meter of the connection memory pools (<c>game_connection_memory_*</c> on <c>/metrics</c>).</summary>
    public const string MeterName = "Game.Hosting.ConnectionMemory";

    public static IHostApplicationBuilder AddConnectionMemory(this IHostApplicationBuilder builder)
    {
        // Kestrel's socket transport takes its pools from IMemoryPoolFactory<byte> in the container (.NET 10); the last
        // registration is the one resolved, and WebApplication.CreateBuilder registered Kestrel's before this runs.
        builder.Services.AddSingleton<TrimmedBlockMemoryPoolFactory>();
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>>(services => services.GetRequiredService<TrimmedBlockMemoryPoolFactory>());
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(MeterName));
        return builder;
    }
}

/// <summary>
/// Creates the <see cref="TrimmedBlockMemoryPool"/>s Kestrel asks for, trims them every <see cref="TrimPeriod"/>, and
/// reports their blocks as metrics.
/// </summary>
public sealed class TrimmedBlockMemoryPoolFactory : IMemoryPoolFactory<byte>, IDisposable
{
    /// <summary>
    /// Two seconds: the blocks a burst of connections lent are gone two to four seconds after it, and under steady
    /// traffic only what two seconds of it never needed is given back (the next peak may allocate a few again).
    /// </summary>
    public static readonly TimeSpan TrimPeriod = TimeSpan.FromSeconds(2);

    private readonly ConcurrentQueue<TrimmedBlockMemoryPool> _pools = new();
    private readonly Meter _meter = new(ConnectionMemory.MeterName);
    private readonly ITimer _trimming;

    public TrimmedBlockMemoryPoolFactory(TimeProvider time)
    {
        _meter.CreateObservableCounter("game.connection_memory.allocated", () => _pools.Sum(p => p.Allocated), "{block}",
            "4 KB blocks allocated by the connection memory pools: a block is allocated when no free one is pooled.");
        _meter.CreateObservableCounter("game.connection_memory.evicted", () => _pools.Sum(p => p.Evicted), "{block}",
            "Free blocks the connection memory pools gave back to the garbage collector.");
        _meter.CreateObservableUpDownCounter("game.connection_memory.pooled", () => _pools.Sum(p => (long)p.Pooled), "{block}",
            "Free blocks kept by the connection memory pools.");
        _trimming = time.CreateTimer(_ => Trim(), null, TrimPeriod, TrimPeriod);
    }

    /// <summary>The pools created so far (Kestrel creates one per transport and one for its own use).</summary>
    public IReadOnlyCollection<TrimmedBlockMemoryPool> Pools => _pools;

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new TrimmedBlockMemoryPool();
        _pools.Enqueue(pool);
        return pool;
    }

    public void Dispose()
    {
        _trimming.Dispose();
        _meter.Dispose();
    }

    private void Trim()
    {
        foreach (var pool in _pools)
        {
            pool.Trim();
        }
    }
}

/// <summary>
/// Pinned 4 KB blocks, as Kestrel's own pool lends (a socket reads into them without pinning each time). Free blocks
/// that were not needed between two <see cref="Trim"/>s (the fewest free at any moment in between) are given back to
/// the garbage collector at the second.
/// </summary>
public sealed class TrimmedBlockMemoryPool : MemoryPool<byte>
{
    /// <summary>The size of a block, Kestrel's: one page.</summary>
    public const int BlockSize = 4096;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _pooled;
    private int _fewestPooled;
    private long _allocated;
    private long _evicted;
    private volatile bool _disposed;

    public override int MaxBufferSize => BlockSize;

    /// <summary>Free blocks kept now.</summary>
    public int Pooled => Volatile.Read(ref _pooled);

    /// <summary>Blocks allocated since the pool was made.</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    /// <summary>Blocks given back to the garbage collector: trimmed, or returned after the pool was disposed.</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_free.TryDequeue(out var block))
        {
            NoteFewest(Interlocked.Decrement(ref _pooled));
            return block;
        }

        Interlocked.Increment(ref _allocated);
        return new Block(this);
    }

    /// <summary>
    /// Gives back the free blocks none of the renters since the last trim needed (the fewest pooled in between), and
    /// starts counting again from what is left.
    /// </summary>
    public void Trim()
    {
        var unneeded = Interlocked.Exchange(ref _fewestPooled, int.MaxValue);
        while (unneeded-- > 0 && _free.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _pooled);
            Interlocked.Increment(ref _evicted);
        }

        NoteFewest(Pooled);
    }

    private void Return(Block block)
    {
        if (_disposed)
        {
            Interlocked.Increment(ref _evicted);
            return;
        }

        Interlocked.Increment(ref _pooled);
        _free.Enqueue(block);
    }

    private void NoteFewest(int pooled)
    {
        var fewest = Volatile.Read(ref _fewestPooled);
        while (pooled < fewest)
        {
            var seen = Interlocked.CompareExchange(ref _fewestPooled, pooled, fewest);
            if (seen == fewest)
            {
                return;
            }

            fewest = seen;
        }
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        while (_free.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _pooled);
            Interlocked.Increment(ref _evicted);
        }
    }

    private sealed class Block(TrimmedBlockMemoryPool pool) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = MemoryMarshal.CreateFromPinnedArray(GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true), 0, BlockSize);

        public void Dispose() => pool.Return(this);
    }
}
