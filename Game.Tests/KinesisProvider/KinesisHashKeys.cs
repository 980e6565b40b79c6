using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Game.Server.Ingest.KinesisStream;

namespace Game.Tests.KinesisProvider;

/// <summary>Which Kinesis shard a partition key goes to: MD5 of the key as a 128-bit number, in an open shard's hash-key range.</summary>
public static class KinesisHashKeys
{
    public static BigInteger HashKey(string partitionKey) =>
        new(MD5.HashData(Encoding.UTF8.GetBytes(partitionKey)), isUnsigned: true, isBigEndian: true);

    /// <summary>The open shard (no ending sequence number) whose range holds the key's hash.</summary>
    public static string OpenShardOf(IEnumerable<Shard> shards, string partitionKey)
    {
        var hash = HashKey(partitionKey);
        return shards
            .Where(s => s.SequenceNumberRange.EndingSequenceNumber is null)
            .Single(s => Parse(s.HashKeyRange.StartingHashKey) <= hash && hash <= Parse(s.HashKeyRange.EndingHashKey))
            .ShardId;
    }

    public static BigInteger Parse(string hashKey) => BigInteger.Parse(hashKey, CultureInfo.InvariantCulture);
}
