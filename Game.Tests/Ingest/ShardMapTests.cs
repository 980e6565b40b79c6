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

    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-02T02:00:00Z");

    [Fact]
    public void Split_OpenShard_ClosesItAndOpensTwoChildrenOwningItsHalves()
    {
        var map = new ShardMap(2);
        var middle = map.StartingHashKey(0) + (map.EndingHashKey(0) - map.StartingHashKey(0)) / 2;

        var split = map.Split(0, middle, endingPosition: 7, Now);

        Assert.Equal(4, split.ShardCount);
        Assert.Equal(3, split.OpenShardCount);
        Assert.Equal(new ShardRange(0, 0, map.EndingHashKey(0), ClosedAt: Now, EndingPosition: 7), split[0]);
        Assert.Equal(new ShardRange(2, 0, middle - 1, ParentId: 0, CreatedAt: Now), split[2]);
        Assert.Equal(new ShardRange(3, middle, map.EndingHashKey(0), ParentId: 0, CreatedAt: Now), split[3]);
        Assert.Equal(2, split.ShardFor(BigInteger.Zero));
        Assert.Equal(3, split.ShardFor(middle));
        Assert.Equal(1, split.ShardFor(ShardMap.MaxHashKey));
        Assert.Equal([2, 3], split.ChildrenOf(0).Select(s => s.Id));
    }

    [Fact]
    public void Merge_AdjacentOpenShards_OpensOneChildWithBothParents()
    {
        var map = new ShardMap(3);

        var merged = map.Merge(1, 2, 4, 5, Now);

        Assert.Equal(new ShardRange(3, map.StartingHashKey(1), ShardMap.MaxHashKey, ParentId: 1, AdjacentParentId: 2, CreatedAt: Now), merged[3]);
        Assert.Equal((4L, 5L), (merged[1].EndingPosition!.Value, merged[2].EndingPosition!.Value));
        Assert.Equal(3, merged.ShardFor(ShardMap.MaxHashKey));
        Assert.False(map.AreAdjacent(0, 2));
        Assert.Throws<ArgumentException>(() => map.Merge(0, 2, 0, 0, Now));
        Assert.Throws<ArgumentException>(() => merged.Merge(1, 0, 0, 0, Now));
    }

    [Theory]
    [InlineData(4, 8)]
    [InlineData(4, 2)]
    [InlineData(5, 3)]
    [InlineData(3, 5)]
    [InlineData(1, 2)]
    public void ScaleUniformly_AnyCount_EndsWithEqualRangesAndAtMostTwoParentsEach(int from, int to)
    {
        var map = new ShardMap(from);

        var scaled = map.ScaleUniformly(to, shard => 100 + shard, Now);

        var expected = new ShardMap(to);
        Assert.Equal(Enumerable.Range(0, to).Select(i => (expected.StartingHashKey(i), expected.EndingHashKey(i))),
            scaled.OpenShards.Select(s => (s.StartingHashKey, s.EndingHashKey)));
        Assert.All(Enumerable.Range(0, from), shard => Assert.Equal(100 + shard, scaled[shard].EndingPosition));
        // Shards only passed through on the way are closed, empty; every new shard descends from the old ones.
        Assert.All(scaled.Shards.Skip(from), s => Assert.True(s.ParentId is not null && (s.IsOpen || s.EndingPosition == 0)));
    }
}
