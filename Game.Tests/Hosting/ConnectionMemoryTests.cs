using System.Globalization;
using Game.Server.Hosting;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.Hosting;

/// <summary>
/// The connection memory pools: free blocks that no renter needed between two trims are given back, so a burst of
/// connections leaves nothing behind, and blocks steady traffic keeps using stay.
/// </summary>
public sealed class TrimmedBlockMemoryPoolTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly TrimmedBlockMemoryPoolFactory _factory;
    private readonly TrimmedBlockMemoryPool _pool;

    public TrimmedBlockMemoryPoolTests()
    {
        _factory = new TrimmedBlockMemoryPoolFactory(_time);
        _pool = (TrimmedBlockMemoryPool)_factory.Create();
    }

    public void Dispose()
    {
        _pool.Dispose();
        _factory.Dispose();
    }

    [Fact]
    public void Trim_AfterABurstNobodyNeedsAgain_GivesEveryFreeBlockBackWithinTwoPeriods()
    {
        Burst(20);

        _time.Advance(TrimmedBlockMemoryPoolFactory.TrimPeriod);
        var afterOne = (_pool.Pooled, _pool.Evicted);
        _time.Advance(TrimmedBlockMemoryPoolFactory.TrimPeriod);

        // The first trim counts from what the burst left; the second finds none of it was needed.
        Assert.Equal((20, 0L), afterOne);
        Assert.Equal((20L, 0, 20L), (_pool.Allocated, _pool.Pooled, _pool.Evicted));
    }

    [Fact]
    public void Trim_SteadyTrafficAfterABurst_KeepsWhatTheTrafficUses()
    {
        Burst(20);
        _time.Advance(TrimmedBlockMemoryPoolFactory.TrimPeriod);

        for (var period = 0; period < 5; period++)
        {
            Burst(5);
            _time.Advance(TrimmedBlockMemoryPoolFactory.TrimPeriod);
        }

        // Five blocks at once were needed in every period: they stay, and nothing was allocated after the burst.
        Assert.Equal((20L, 5, 15L), (_pool.Allocated, _pool.Pooled, _pool.Evicted));
    }

    [Fact]
    public void Rent_AfterABurst_ReusesTheFreeBlocksBeforeAllocating()
    {
        var burst = Enumerable.Range(0, 20).Select(_ => _pool.Rent()).ToList();
        var memories = burst.Select(block => block.Memory).ToList();
        burst.ForEach(block => block.Dispose());

        var again = Enumerable.Range(0, 22).Select(_ => _pool.Rent()).ToList();

        Assert.Equal((22L, 0), (_pool.Allocated, _pool.Pooled));
        Assert.All(memories, memory => Assert.Contains(again, block => block.Memory.Equals(memory)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(TrimmedBlockMemoryPool.BlockSize)]
    public void Rent_UpToABlock_IsOneWholeBlock(int size)
    {
        using var block = _pool.Rent(size);

        Assert.Equal((TrimmedBlockMemoryPool.BlockSize, TrimmedBlockMemoryPool.BlockSize), (block.Memory.Length, _pool.MaxBufferSize));
    }

    [Fact]
    public void Rent_MoreThanABlock_IsRefusedAsKestrelsPoolRefusesIt()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _pool.Rent(TrimmedBlockMemoryPool.BlockSize + 1));
    }

    [Fact]
    public void Return_AfterThePoolIsDisposed_KeepsNothing()
    {
        Burst(3);
        var block = _pool.Rent();
        _pool.Dispose();

        block.Dispose();

        Assert.Equal((3L, 0, 3L), (_pool.Allocated, _pool.Pooled, _pool.Evicted));
    }

    /// <summary>Rents <paramref name="blocks"/> at once, then gives them all back.</summary>
    private void Burst(int blocks) => Enumerable.Range(0, blocks).Select(_ => _pool.Rent()).ToList().ForEach(block => block.Dispose());
}

/// <summary>
/// A real server (Kestrel, sockets, SignalR's WebSockets) with idle phones: none of them holds a connection buffer,
/// and the pools Kestrel got them from are ours (their counts are on <c>/metrics</c>).
/// </summary>
public sealed class IdleConnectionMemoryTests : IAsyncLifetime
{
    private const int Phones = 100;

    private readonly ServerProcess _server = new();

    public Task InitializeAsync() => _server.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task IdlePhones_Connected_HoldNoConnectionBlock()
    {
        using var client = new GameClient(_server);
        var game = await client.CreateGameAsync();
        var players = new List<GameClient.JoinedPlayer>();
        for (var i = 0; i < Phones; i++)
        {
            players.Add(await client.JoinAsync(game.GameId, $"Idle {i}"));
        }

        // Connected in one burst, as a hall joins: many connections lend blocks at once.
        var phones = await Task.WhenAll(players.Select(client.ConnectPhoneAsync));
        try
        {
            Assert.All(phones, phone => Assert.Equal(HubConnectionState.Connected, phone.State));
            // The three counts are read one after another, and a trim between two reads moves blocks from pooled to
            // evicted: the fewest lent out over a few readings is the true count (a leak shows in every reading).
            var readings = new List<Blocks>();
            for (var i = 0; i < 5; i++)
            {
                readings.Add(await ReadBlocksAsync());
                await Task.Delay(100);
            }

            var blocks = readings.MinBy(b => b.Allocated - b.Evicted - b.Pooled)!;
            Assert.True(blocks.Allocated > 0, $"Kestrel took no block from the connection memory pools: {blocks}");
            // Lent out now: only what the /metrics request itself holds while it is answered (its own response is
            // written after the counts are read), never one per idle phone (Kestrel's own pool kept one each after
            // such a burst, and lent each phone one while it waited, before .NET 8's zero-byte reads).
            Assert.True(blocks.Allocated - blocks.Evicted - blocks.Pooled is >= 0 and <= 2, $"lent out: {string.Join(", ", readings)}");
        }
        finally
        {
            await Task.WhenAll(phones.Select(phone => phone.DisposeAsync().AsTask()));
        }
    }

    private sealed record Blocks(long Allocated, long Evicted, long Pooled);

    private async Task<Blocks> ReadBlocksAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };
        var lines = (await http.GetStringAsync("/metrics")).Split('\n');
        long Read(string name) => lines
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{')
            .Select(line => long.Parse(line.Split(' ')[^1], NumberStyles.Float, CultureInfo.InvariantCulture))
            .Sum();
        return new Blocks(
            Read("game_connection_memory_allocated_total"),
            Read("game_connection_memory_evicted_total"),
            Read("game_connection_memory_pooled"));
    }
}
