using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Game.Server.Ingest;

/// <summary>
/// One shard of a stream, open or closed: its hash-key range, the shards it came from, and, once closed, when
/// and after which position (the last record it holds).
/// </summary>
/// <param name="Id">The shard's number; <c>shardId-</c> and 12 digits on the wire. Never reused.</param>
/// <param name="StartingHashKey">First hash key it owns.</param>
/// <param name="EndingHashKey">Last hash key it owns.</param>
/// <param name="ParentId">The shard it was split from, or the first of the two it was merged from.</param>
/// <param name="AdjacentParentId">After a merge: the other shard it was merged from.</param>
/// <param name="CreatedAt">When a reshard created it; null for the stream's original shards.</param>
/// <param name="ClosedAt">When a reshard closed it; null while it is open (takes records).</param>
/// <param name="EndingPosition">With <paramref name="ClosedAt"/>: the position of its last record (0: none).</param>
public sealed record ShardRange(
    int Id,
    BigInteger StartingHashKey,
    BigInteger EndingHashKey,
    int? ParentId = null,
    int? AdjacentParentId = null,
    DateTimeOffset? CreatedAt = null,
    DateTimeOffset? ClosedAt = null,
    long? EndingPosition = null)
{
    public bool IsOpen => ClosedAt is null;
}

/// <summary>
/// Kinesis' routing: open shards own contiguous ranges of the 128-bit hash-key space, and a record's hash key is
/// the MD5 of its partition key (UTF-8) read as an unsigned big-endian integer, unless the producer gives an
/// explicit hash key. A stream starts with equal ranges; resharding (<see cref="Split"/>, <see cref="Merge"/>)
/// closes shards and opens children, so a map is immutable and each reshard makes a new one. Shard ids are
/// dense: shard <c>n</c> is <c>Shards[n]</c>.
/// </summary>
public sealed class ShardMap
{
    /// <summary>2^128 − 1, the largest hash key.</summary>
    public static readonly BigInteger MaxHashKey = (BigInteger.One << 128) - 1;

    /// <summary>Partition keys a map remembers the shard of, at most (a producer's keys repeat: one per player).</summary>
    internal const int RouteCacheCapacity = 4_096;

    /// <summary>Longest partition key hashed from the stack (Kinesis allows 256 characters: 768 bytes of UTF-8).</summary>
    private const int StackKeyChars = 256;

    private static readonly string?[] s_shardIds = new string?[1_024];

    private readonly ShardRange[] _shards;

    /// <summary>
    /// Open shards' starting hash keys, ascending, and their ids in the same order (for routing): 128-bit integers,
    /// not <see cref="BigInteger"/>s, so a route allocates nothing and compares in registers.
    /// </summary>
    private readonly UInt128[] _openStarts;

    private readonly int[] _openIds;

    /// <summary>
    /// Partition key → shard, for this map only (a reshard makes a new map, so an entry never outlives the ranges it
    /// was computed from). Bounded: once full it stops growing and routes the rest by hashing, as without it.
    /// </summary>
    private readonly ConcurrentDictionary<string, int> _routes = new(StringComparer.Ordinal);

    private int _routeCount;

    /// <summary>A new stream's map: <paramref name="shardCount"/> open shards with equal ranges.</summary>
    public ShardMap(int shardCount)
        : this(EqualRanges(shardCount))
    {
    }

    /// <summary>A map of these shards (ids 0, 1, 2, …, in order); the open ones must tile the hash-key space.</summary>
    public ShardMap(IReadOnlyList<ShardRange> shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards.Count, 1);
        _shards = [.. shards];
        for (var i = 0; i < _shards.Length; i++)
        {
            if (_shards[i].Id != i)
            {
                throw new ArgumentException($"Shard {i} has id {_shards[i].Id}; ids must be dense.", nameof(shards));
            }
        }

        var open = _shards.Where(s => s.IsOpen).OrderBy(s => s.StartingHashKey).ToArray();
        var expected = BigInteger.Zero;
        foreach (var shard in open)
        {
            if (shard.StartingHashKey != expected || shard.EndingHashKey < shard.StartingHashKey)
            {
                throw new ArgumentException("The open shards do not tile the hash-key space.", nameof(shards));
            }

            expected = shard.EndingHashKey + 1;
        }

        if (expected != MaxHashKey + 1)
        {
            throw new ArgumentException("The open shards do not cover the hash-key space.", nameof(shards));
        }

        _openStarts = open.Select(s => (UInt128)s.StartingHashKey).ToArray();
        _openIds = open.Select(s => s.Id).ToArray();
    }

    /// <summary>Partition keys whose shard this map remembers (at most <see cref="RouteCacheCapacity"/>).</summary>
    internal int CachedRouteCount => _routes.Count;

    /// <summary>Every shard id the stream has had, open and closed: ids run from 0 to this, exclusive.</summary>
    public int ShardCount => _shards.Length;

    /// <summary>Shards that take records now.</summary>
    public int OpenShardCount => _openIds.Length;

    /// <summary>Every shard, by id.</summary>
    public IReadOnlyList<ShardRange> Shards => _shards;

    /// <summary>Open shards in hash-key order.</summary>
    public IEnumerable<ShardRange> OpenShards => _openIds.Select(id => _shards[id]);

    public ShardRange this[int shard] => _shards[shard];

    /// <summary>First hash key of a shard's range.</summary>
    public BigInteger StartingHashKey(int shard) => _shards[shard].StartingHashKey;

    /// <summary>Last hash key of a shard's range (the last shard ends at 2^128 − 1).</summary>
    public BigInteger EndingHashKey(int shard) => _shards[shard].EndingHashKey;

    /// <summary>Shards whose parent (or adjacent parent) is <paramref name="shard"/>.</summary>
    public IEnumerable<ShardRange> ChildrenOf(int shard) =>
        _shards.Where(s => s.ParentId == shard || s.AdjacentParentId == shard);

    /// <summary>A partition key's hash key as a decimal-capable integer (what the wire and the lanes use).</summary>
    public static BigInteger HashKey(string partitionKey) => (BigInteger)HashKey128(partitionKey);

    /// <summary>A partition key's hash key: the MD5 of its UTF-8 bytes, read as an unsigned big-endian integer.</summary>
    public static UInt128 HashKey128(string partitionKey)
    {
        Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
        if (partitionKey.Length <= StackKeyChars)
        {
            Span<byte> utf8 = stackalloc byte[StackKeyChars * 3];
            MD5.HashData(utf8[..Encoding.UTF8.GetBytes(partitionKey, utf8)], hash);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(partitionKey.Length));
            MD5.HashData(rented.AsSpan(0, Encoding.UTF8.GetBytes(partitionKey, rented)), hash);
            ArrayPool<byte>.Shared.Return(rented);
        }

        return BinaryPrimitives.ReadUInt128BigEndian(hash);
    }

    /// <summary>The open shard that owns a partition key's hash key.</summary>
    public int ShardFor(string partitionKey)
    {
        if (_routes.TryGetValue(partitionKey, out var shard))
        {
            return shard;
        }

        shard = ShardFor(HashKey128(partitionKey));
        // The count may overshoot by a few under a race; the bound only has to hold memory, not be exact.
        if (Volatile.Read(ref _routeCount) < RouteCacheCapacity && _routes.TryAdd(partitionKey, shard))
        {
            Interlocked.Increment(ref _routeCount);
        }

        return shard;
    }

    /// <summary>The open shard that owns a hash key.</summary>
    public int ShardFor(BigInteger hashKey)
    {
        if (hashKey < 0 || hashKey > MaxHashKey)
        {
            throw new ArgumentOutOfRangeException(nameof(hashKey), "A hash key lies between 0 and 2^128 - 1.");
        }

        return ShardFor((UInt128)hashKey);
    }

    /// <summary>The open shard that owns a hash key: the last whose start is at or below it.</summary>
    public int ShardFor(UInt128 hashKey)
    {
        var starts = _openStarts;
        // starts[0] is 0, so the answer is in [0, hi]: the last start <= hashKey.
        int lo = 0, hi = starts.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= hashKey)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return _openIds[lo];
    }

    /// <summary>
    /// Closes an open shard after position <paramref name="endingPosition"/> and opens two children: one from its
    /// start to <paramref name="newStartingHashKey"/> − 1, one from there to its end (Kinesis' SplitShard).
    /// </summary>
    public ShardMap Split(int shard, BigInteger newStartingHashKey, long endingPosition, DateTimeOffset now)
    {
        var parent = _shards[shard];
        if (!parent.IsOpen || newStartingHashKey <= parent.StartingHashKey || newStartingHashKey > parent.EndingHashKey)
        {
            throw new ArgumentException("The shard is closed, or the hash key is not inside its range past its start.");
        }

        var next = _shards.Length;
        return new ShardMap([
            .. _shards.Select(s => s.Id == shard ? s with { ClosedAt = now, EndingPosition = endingPosition } : s),
            new ShardRange(next, parent.StartingHashKey, newStartingHashKey - 1, shard, null, now),
            new ShardRange(next + 1, newStartingHashKey, parent.EndingHashKey, shard, null, now),
        ]);
    }

    /// <summary>
    /// Closes two open, adjacent shards and opens one child owning both ranges (Kinesis' MergeShards);
    /// <paramref name="shard"/> is the child's parent, <paramref name="adjacent"/> its adjacent parent.
    /// </summary>
    public ShardMap Merge(int shard, int adjacent, long shardEndingPosition, long adjacentEndingPosition, DateTimeOffset now)
    {
        var (first, second) = (_shards[shard], _shards[adjacent]);
        if (!AreAdjacent(shard, adjacent))
        {
            throw new ArgumentException("The shards are not both open and adjacent.");
        }

        var start = BigInteger.Min(first.StartingHashKey, second.StartingHashKey);
        var end = BigInteger.Max(first.EndingHashKey, second.EndingHashKey);
        return new ShardMap([
            .. _shards.Select(s => s.Id == shard ? s with { ClosedAt = now, EndingPosition = shardEndingPosition }
                : s.Id == adjacent ? s with { ClosedAt = now, EndingPosition = adjacentEndingPosition }
                : s),
            new ShardRange(_shards.Length, start, end, shard, adjacent, now),
        ]);
    }

    /// <summary>
    /// <paramref name="target"/> open shards of equal ranges (Kinesis' UpdateShardCount with UNIFORM_SCALING), reached
    /// as Kinesis reaches it: splits at every new boundary inside an open shard, then merges of the pieces that make
    /// up each new range, left to right. Every shard so created keeps at most two parents; those only passed through
    /// close at once, empty.
    /// </summary>
    public ShardMap ScaleUniformly(int target, Func<int, long> lastPosition, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(target, 1);
        var map = this;
        var width = (BigInteger.One << 128) / target;
        var boundaries = Enumerable.Range(1, target - 1).Select(i => width * i).ToList();
        long Ending(int id) => id < ShardCount ? lastPosition(id) : 0;
        foreach (var boundary in boundaries)
        {
            var owner = map[map.ShardFor(boundary)];
            if (owner.StartingHashKey != boundary)
            {
                map = map.Split(owner.Id, boundary, Ending(owner.Id), now);
            }
        }

        var starts = new List<BigInteger> { BigInteger.Zero };
        starts.AddRange(boundaries);
        for (var i = 0; i < starts.Count; i++)
        {
            var end = i + 1 < starts.Count ? starts[i + 1] - 1 : MaxHashKey;
            while (true)
            {
                var pieces = map.OpenShards.Where(s => s.StartingHashKey >= starts[i] && s.EndingHashKey <= end).ToList();
                if (pieces.Count < 2)
                {
                    break;
                }

                map = map.Merge(pieces[0].Id, pieces[1].Id, Ending(pieces[0].Id), Ending(pieces[1].Id), now);
            }
        }

        return map;
    }

    /// <summary>Both open, and one's range ends just before the other's begins.</summary>
    public bool AreAdjacent(int shard, int adjacent)
    {
        var (a, b) = (_shards[shard], _shards[adjacent]);
        return shard != adjacent && a.IsOpen && b.IsOpen
            && (a.EndingHashKey + 1 == b.StartingHashKey || b.EndingHashKey + 1 == a.StartingHashKey);
    }

    /// <summary>Kinesis' shard id for an index: <c>shardId-000000000000</c>.</summary>
    public static string ShardId(int shard)
    {
        // Every record's answer names its shard: the few ids a stream has are formatted once. A race formats one twice.
        var ids = s_shardIds;
        if ((uint)shard < (uint)ids.Length)
        {
            return ids[shard] ??= $"shardId-{shard:D12}";
        }

        return $"shardId-{shard:D12}";
    }

    public static bool TryParseShardId(string shardId, out int shard)
    {
        shard = -1;
        return shardId.StartsWith("shardId-", StringComparison.Ordinal)
            && int.TryParse(shardId.AsSpan(8), System.Globalization.NumberStyles.None, null, out shard);
    }

    private static ShardRange[] EqualRanges(int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        var width = (BigInteger.One << 128) / shardCount;
        return Enumerable.Range(0, shardCount)
            .Select(i => new ShardRange(i, width * i, i == shardCount - 1 ? MaxHashKey : width * (i + 1) - 1))
            .ToArray();
    }
}
