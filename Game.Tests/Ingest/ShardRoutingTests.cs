using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Game.Server.Ingest;

namespace Game.Tests.Ingest;

/// <summary>
/// The 128-bit route (MD5 read as <see cref="UInt128"/>, a search over <see cref="UInt128"/> starts, a per-map cache of
/// partition keys) against the route it replaced (UTF-8 bytes, MD5, a <see cref="BigInteger"/>, a binary search over
/// <see cref="BigInteger"/> starts), on the same maps: equal for every key and every boundary, before and after reshards.
/// </summary>
public sealed class ShardRoutingTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-02T08:00:00Z");

    /// <summary>The route as ShardMap computed it before (kept here, verbatim in substance, as the reference).</summary>
    private static int BigIntegerRoute(ShardMap map, BigInteger hashKey)
    {
        var starts = map.OpenShards.Select(s => s.StartingHashKey).ToArray();
        var ids = map.OpenShards.Select(s => s.Id).ToArray();
        var index = Array.BinarySearch(starts, hashKey);
        return ids[index >= 0 ? index : ~index - 1];
    }

    private static BigInteger BigIntegerHashKey(string partitionKey) =>
        new(MD5.HashData(Encoding.UTF8.GetBytes(partitionKey)), isUnsigned: true, isBigEndian: true);

    /// <summary>Random keys of every kind a producer can send: ASCII, non-ASCII, lone surrogates, up to 256 characters and past it.</summary>
    private static List<string> Keys(int seed, int count)
    {
        var random = new Random(seed);
        var keys = new List<string> { "", "a", "player-1", "é", "\uD800", "x\uDC00y", "😀", new('k', 256), new('é', 256), new('z', 1000) };
        while (keys.Count < count)
        {
            var chars = new char[random.Next(1, 300)];
            for (var i = 0; i < chars.Length; i++)
            {
                // Mostly ASCII, some Latin-1, some anywhere in UTF-16 (surrogates included, paired or not).
                chars[i] = random.Next(10) switch
                {
                    < 7 => (char)random.Next(0x20, 0x7F),
                    < 9 => (char)random.Next(0xA0, 0x100),
                    _ => (char)random.Next(0, 0x10000),
                };
            }

            keys.Add(new string(chars));
        }

        return keys;
    }

    /// <summary>Every open shard's first and last key and their neighbours, plus both ends of the space.</summary>
    private static IEnumerable<BigInteger> Boundaries(ShardMap map) =>
        map.OpenShards
            .SelectMany(s => new[] { s.StartingHashKey - 1, s.StartingHashKey, s.StartingHashKey + 1, s.EndingHashKey - 1, s.EndingHashKey, s.EndingHashKey + 1 })
            .Append(BigInteger.Zero).Append(ShardMap.MaxHashKey)
            .Where(k => k >= 0 && k <= ShardMap.MaxHashKey)
            .Distinct();

    private static void AssertSameRoutes(ShardMap map, IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            var expected = BigIntegerRoute(map, BigIntegerHashKey(key));
            Assert.Equal(BigIntegerHashKey(key), ShardMap.HashKey(key));
            Assert.Equal(BigIntegerHashKey(key), (BigInteger)ShardMap.HashKey128(key));
            Assert.Equal(expected, map.ShardFor(key));
            // A second time: now from the map's cache.
            Assert.Equal(expected, map.ShardFor(key));
        }

        foreach (var hashKey in Boundaries(map))
        {
            Assert.Equal(BigIntegerRoute(map, hashKey), map.ShardFor(hashKey));
            Assert.Equal(BigIntegerRoute(map, hashKey), map.ShardFor((UInt128)hashKey));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(64)]
    public void ShardFor_RandomKeysAndEveryBoundary_EqualsTheBigIntegerRoute(int shardCount) =>
        AssertSameRoutes(new ShardMap(shardCount), Keys(shardCount, 2_000));

    [Fact]
    public void ShardFor_AfterSplitsMergesAndScaling_EqualsTheBigIntegerRouteOfEachMap()
    {
        var keys = Keys(42, 1_000);
        var random = new Random(7);
        var map = new ShardMap(4);
        AssertSameRoutes(map, keys);
        for (var step = 0; step < 12; step++)
        {
            var open = map.OpenShards.ToList();
            if (step % 3 == 2 && open.Count > 1)
            {
                var at = random.Next(open.Count - 1);
                map = map.Merge(open[at].Id, open[at + 1].Id, 0, 0, Now);
            }
            else
            {
                // Split at a random key inside a random open shard (Kinesis allows any key past its start).
                var parent = open[random.Next(open.Count)];
                var width = parent.EndingHashKey - parent.StartingHashKey;
                var offset = BigInteger.One + (new BigInteger(random.NextInt64(long.MaxValue)) * width / long.MaxValue);
                map = map.Split(parent.Id, BigInteger.Min(parent.StartingHashKey + offset, parent.EndingHashKey), 0, Now);
            }

            // The same keys again: routed first by the previous map (and cached there), now by this one.
            AssertSameRoutes(map, keys);
        }

        map = map.ScaleUniformly(5, _ => 0, Now);
        AssertSameRoutes(map, keys);
    }

    [Fact]
    public void ShardFor_ExplicitHashKeyOutsideTheSpace_StillRefused()
    {
        var map = new ShardMap(2);

        Assert.Throws<ArgumentOutOfRangeException>(() => map.ShardFor(BigInteger.MinusOne));
        Assert.Throws<ArgumentOutOfRangeException>(() => map.ShardFor(ShardMap.MaxHashKey + 1));
        Assert.Equal(1, map.ShardFor(UInt128.MaxValue));
    }

    [Fact]
    public void ShardFor_MoreDistinctKeysThanTheCacheHolds_CacheStopsAtItsBoundAndRoutesStayRight()
    {
        var map = new ShardMap(4);
        var keys = Enumerable.Range(0, ShardMap.RouteCacheCapacity + 500).Select(i => $"player-{i}").ToList();

        var routes = keys.Select(map.ShardFor).ToList();

        Assert.Equal(ShardMap.RouteCacheCapacity, map.CachedRouteCount);
        Assert.Equal(keys.Select(k => BigIntegerRoute(map, BigIntegerHashKey(k))), routes);
        Assert.Equal(routes, keys.Select(map.ShardFor));
    }

    [Fact]
    public void ShardFor_CachedKey_AllocatesNothing()
    {
        var map = new ShardMap(4);
        var key = "player-1234";
        map.ShardFor(key);
        map.ShardFor("warm-up-the-miss-path");

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            map.ShardFor(key);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void HashKey128_UncachedKey_AllocatesNothing()
    {
        ShardMap.HashKey128("warm-up");
        var keys = Enumerable.Range(0, 100).Select(i => $"player-{i}").ToList();

        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var key in keys)
        {
            ShardMap.HashKey128(key);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
