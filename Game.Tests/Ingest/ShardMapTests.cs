using System.Numerics;
using Game.Server.Ingest;

namespace Game.Tests.Ingest;

public sealed class ShardMapTests
{
    [Fact]
    public void Ranges_FourShards_AreContiguousAndCoverTheHashKeySpace()
    {
        var map = new ShardMap(4);

        Assert.Equal(BigInteger.Zero, map.StartingHashKey(0));
        for (var shard = 1; shard < 4; shard++)
        {
            Assert.Equal(map.EndingHashKey(shard - 1) + 1, map.StartingHashKey(shard));
        }

        Assert.Equal(ShardMap.MaxHashKey, map.EndingHashKey(3));
        Assert.Equal(BigInteger.Parse("85070591730234615865843651857942052864"), map.StartingHashKey(1));
    }

    [Fact]
    public void HashKey_KnownPartitionKey_IsMd5ReadBigEndian()
    {
        // MD5("a") = 0cc175b9c0f1b6a831c399e269772661
        Assert.Equal(BigInteger.Parse("0cc175b9c0f1b6a831c399e269772661", System.Globalization.NumberStyles.HexNumber), ShardMap.HashKey("a"));
        Assert.Equal(0, new ShardMap(4).ShardFor("a"));
    }

    [Fact]
    public void ShardFor_RangeEdges_PickTheOwningShard()
    {
        var map = new ShardMap(3);

        Assert.Equal(0, map.ShardFor(BigInteger.Zero));
        Assert.Equal(0, map.ShardFor(map.EndingHashKey(0)));
        Assert.Equal(1, map.ShardFor(map.StartingHashKey(1)));
        Assert.Equal(2, map.ShardFor(ShardMap.MaxHashKey));
        Assert.Throws<ArgumentOutOfRangeException>(() => map.ShardFor(ShardMap.MaxHashKey + 1));
    }

    [Fact]
    public void ShardFor_ManyPlayers_SpreadOverAllShards()
    {
        var map = new ShardMap(4);
        var counts = new int[4];
        for (var i = 0; i < 4000; i++)
        {
            counts[map.ShardFor($"p{i:x16}")]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
    }

    [Fact]
    public void ShardId_RoundTrips()
    {
        Assert.Equal("shardId-000000000003", ShardMap.ShardId(3));
        Assert.True(ShardMap.TryParseShardId("shardId-000000000003", out var shard));
        Assert.Equal(3, shard);
        Assert.False(ShardMap.TryParseShardId("shard-3", out _));
    }
}
