using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;

namespace Game.Server.Hosting;

/// <summary>
/// Kestrel's connection buffers (sockets' receive and send pipes, HTTP/1.1 headers) come from
/// <see cref="BoundedBlockMemoryPool"/>s, which keep at most <see cref="BoundedBlockMemoryPool.DefaultMaxRetainedBlocks"/>
/// free 4 KB blocks each instead of every block ever lent.
/// </summary>
/// <remarks>
/// Kestrel's own pool (.NET 10) keeps each block it lends out, and gives free blocks back slowly: 1 % of them every
/// 10 seconds while there is any traffic (5 % when there is none). An idle connection holds no block (the socket
/// transport and SignalR's WebSockets wait for data before they rent one), but a burst of connections does: 1,000
/// phones connecting at once left 959 free blocks in Kestrel's pool (a heap dump of the server, five seconds later:
/// 4.4 KB per phone of the 28.7 KB the heap grew by, docs/perf-notes/idlemem.md), and with the phones' pings every
/// 15 seconds they would have gone at 1 % a cycle (half of them after 12 minutes). A hall joins in a burst, and reconnects in
/// one after a restart; past the cap, a block given back is left to the garbage collector.
/// </remarks>
public static class ConnectionMemory
{
    /// <summary>The meter of the connection memory pools (<c>game_connection_memory_*</c> on <c>/metrics</c>).</summary>
    public const string MeterName = "Game.Hosting.ConnectionMemory";

    public static IHostApplicationBuilder AddConnectionMemory(this IHostApplicationBuilder builder)
    {
        // Kestrel's socket transport takes its pools from IMemoryPoolFactory<byte> in the container (.NET 10); the last
        // registration is the one resolved, and WebApplication.CreateBuilder registered Kestrel's before this runs.
        builder.Services.AddSingleton<BoundedBlockMemoryPoolFactory>();
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>>(services => services.GetRequiredService<BoundedBlockMemoryPoolFactory>());
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(MeterName));
        return builder;
    }
}

/// <summary>Creates the <see cref="BoundedBlockMemoryPool"/>s Kestrel asks for, and reports their blocks as metrics.</summary>
public sealed class BoundedBlockMemoryPoolFactory : IMemoryPoolFactory<byte>, IDisposable
{
    private readonly ConcurrentQueue<BoundedBlockMemoryPool> _pools = new();
    private readonly Meter _meter = new(ConnectionMemory.MeterName);

    public BoundedBlockMemoryPoolFactory()
    {
        _meter.CreateObservableCounter("game.connection_memory.allocated", () => _pools.Sum(p => p.Allocated), "{block}",
            "4 KB blocks allocated by the connection memory pools: a block is allocated when no free one is pooled.");
        _meter.CreateObservableCounter("game.connection_memory.dropped", () => _pools.Sum(p => p.Dropped), "{block}",
            "Blocks given back to a full pool and left to the garbage collector.");
        _meter.CreateObservableUpDownCounter("game.connection_memory.pooled", () => _pools.Sum(p => (long)p.Pooled), "{block}",
            "Free blocks kept by the connection memory pools.");
    }

    /// <summary>The pools created so far (Kestrel creates one per transport and one for its own use).</summary>
    public IReadOnlyCollection<BoundedBlockMemoryPool> Pools => _pools;

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new BoundedBlockMemoryPool(BoundedBlockMemoryPool.DefaultMaxRetainedBlocks);
        _pools.Enqueue(pool);
        return pool;
    }

    public void Dispose() => _meter.Dispose();
}

/// <summary>
/// Pinned 4 KB blocks, as Kestrel's own pool lends (a socket reads into them without pinning each time), of which at
/// most <c>maxRetainedBlocks</c> free ones are kept; a block given back beyond that is dropped.
/// </summary>
public sealed class BoundedBlockMemoryPool(int maxRetainedBlocks) : MemoryPool<byte>
{
    /// <summary>The size of a block, Kestrel's: one page.</summary>
    public const int BlockSize = 4096;

    /// <summary>
    /// 256 free blocks (1 MiB) per pool. At 2,000 phones × 5 messages a second a block is in use from a message's
    /// arrival until SignalR has parsed it, well under 256 at once unless the server is saturated; then extra blocks
    /// are allocated and later dropped (<c>game_connection_memory_dropped</c> counts them), which costs the garbage
    /// collector 4 KB each and nothing else.
    /// </summary>
    public const int DefaultMaxRetainedBlocks = 256;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _pooled;
    private long _allocated;
    private long _dropped;
    private volatile bool _disposed;

    public override int MaxBufferSize => BlockSize;

    /// <summary>Free blocks kept now.</summary>
    public int Pooled => Volatile.Read(ref _pooled);

    /// <summary>Blocks allocated since the pool was made.</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    /// <summary>Blocks given back to a full pool (or after it was disposed) and left to the garbage collector.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _pooled);
            return block;
        }

        Interlocked.Increment(ref _allocated);
        return new Block(this);
    }

    private void Return(Block block)
    {
        // Counted before it is queued, so that returns at the same moment cannot together pass the cap.
        if (!_disposed && Interlocked.Increment(ref _pooled) <= maxRetainedBlocks)
        {
            _free.Enqueue(block);
            return;
        }

        if (!_disposed)
        {
            Interlocked.Decrement(ref _pooled);
        }

        Interlocked.Increment(ref _dropped);
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        while (_free.TryDequeue(out _))
        {
        }

        Volatile.Write(ref _pooled, 0);
    }

    private sealed class Block(BoundedBlockMemoryPool pool) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = MemoryMarshal.CreateFromPinnedArray(GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true), 0, BlockSize);

        public void Dispose() => pool.Return(this);
    }
}
