using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Game.Server.Ingest;

namespace Game.Benchmarks;

/// <summary>
/// Routing a record and naming its answer, before and after: the <see cref="BigInteger"/> route (UTF-8 array, MD5,
/// a <see cref="BigInteger"/>, a binary search over <see cref="BigInteger"/> starts — ShardMap until issue 19's second
/// round, kept here as the baseline), the <see cref="UInt128"/> route without the cache, and
/// <see cref="ShardMap.ShardFor(string)"/> as the stream calls it (2,000 players' keys, which repeat). One operation =
/// one record.
/// </summary>
[Config(typeof(InProcessShortRunConfig))]
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    private const int Keys = 2_000;

    private readonly ShardMap _map = new(4);
    private BigInteger[] _starts = [];
    private int[] _ids = [];
    private string[] _keys = [];

    [GlobalSetup]
    public void Setup()
    {
        _starts = _map.OpenShards.Select(s => s.StartingHashKey).ToArray();
        _ids = _map.OpenShards.Select(s => s.Id).ToArray();
        _keys = Enumerable.Range(0, Keys).Select(i => $"player-{Guid.NewGuid():N}"[..20]).ToArray();
        foreach (var key in _keys)
        {
            _map.ShardFor(key);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Keys)]
    public int BigIntegerRoute()
    {
        var sum = 0;
        foreach (var key in _keys)
        {
            var hashKey = new BigInteger(MD5.HashData(Encoding.UTF8.GetBytes(key)), isUnsigned: true, isBigEndian: true);
            var index = Array.BinarySearch(_starts, hashKey);
            sum += _ids[index >= 0 ? index : ~index - 1];
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Keys)]
    public int UInt128Route()
    {
        var sum = 0;
        foreach (var key in _keys)
        {
            sum += _map.ShardFor(ShardMap.HashKey128(key));
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Keys)]
    public int CachedRoute()
    {
        var sum = 0;
        foreach (var key in _keys)
        {
            sum += _map.ShardFor(key);
        }

        return sum;
    }

    /// <summary>A record's answer before: shard id and sequence number by interpolation, each time.</summary>
    [Benchmark(OperationsPerInvoke = Keys)]
    public int AnswerInterpolated()
    {
        var length = 0;
        for (var i = 0; i < Keys; i++)
        {
            length += $"shardId-{i & 3:D12}".Length + string.Create(CultureInfo.InvariantCulture, $"49{i & 3:D6}{1_000_000L + i:D20}").Length;
        }

        return length;
    }

    /// <summary>A record's answer now: the shard id formatted once, the digits written straight into the string.</summary>
    [Benchmark(OperationsPerInvoke = Keys)]
    public int AnswerNow()
    {
        var length = 0;
        for (var i = 0; i < Keys; i++)
        {
            length += ShardMap.ShardId(i & 3).Length + SequenceNumber.Format(i & 3, 1_000_000L + i).Length;
        }

        return length;
    }
}
