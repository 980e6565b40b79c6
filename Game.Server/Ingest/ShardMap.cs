using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Game.Server.Ingest;

/// <summary>
/// Kinesis' routing: shards own contiguous, equal ranges of the 128-bit hash-key space, and a record's
/// hash key is the MD5 of its partition key (UTF-8) read as an unsigned big-endian integer, unless the
/// producer gives an explicit hash key.
/// </summary>
public sealed class ShardMap
{
    /// <summary>2^128 − 1, the largest hash key.</summary>
    public static readonly BigInteger MaxHashKey = (BigInteger.One << 128) - 1;

    private readonly BigInteger[] _startingHashKeys;

    public ShardMap(int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        var width = (BigInteger.One << 128) / shardCount;
        _startingHashKeys = Enumerable.Range(0, shardCount).Select(i => width * i).ToArray();
    }

    public int ShardCount => _startingHashKeys.Length;

    /// <summary>First hash key of a shard's range.</summary>
    public BigInteger StartingHashKey(int shard) => _startingHashKeys[shard];

    /// <summary>Last hash key of a shard's range (the last shard ends at 2^128 − 1).</summary>
    public BigInteger EndingHashKey(int shard) =>
        shard == ShardCount - 1 ? MaxHashKey : _startingHashKeys[shard + 1] - 1;

    public static BigInteger HashKey(string partitionKey)
    {
        Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
        MD5.HashData(Encoding.UTF8.GetBytes(partitionKey), hash);
        return new BigInteger(hash, isUnsigned: true, isBigEndian: true);
    }

    public int ShardFor(string partitionKey) => ShardFor(HashKey(partitionKey));

    public int ShardFor(BigInteger hashKey)
    {
        if (hashKey < 0 || hashKey > MaxHashKey)
        {
            throw new ArgumentOutOfRangeException(nameof(hashKey), "A hash key lies between 0 and 2^128 - 1.");
        }

        var index = Array.BinarySearch(_startingHashKeys, hashKey);
        return index >= 0 ? index : ~index - 1;
    }

    /// <summary>Kinesis' shard id for an index: <c>shardId-000000000000</c>.</summary>
    public static string ShardId(int shard) => $"shardId-{shard:D12}";

    public static bool TryParseShardId(string shardId, out int shard)
    {
        shard = -1;
        return shardId.StartsWith("shardId-", StringComparison.Ordinal)
            && int.TryParse(shardId.AsSpan(8), System.Globalization.NumberStyles.None, null, out shard);
    }
}
