using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Server.Realtime;
using MessagePack;
using MessagePack.Resolvers;

namespace Game.Benchmarks;

/// <summary>
/// The two reads of every phone batch, each by hand from the span (what the server does) against its
/// <c>MessagePackReader</c> path alone (what it did before; still the path for any other shape): the hub binding a
/// <see cref="PhoneBatch"/> from SignalR's arguments, and the score function reading the record. One operation = one
/// batch; compare the ratios, not the times (the machine is shared).
/// <c>dotnet run -c Release --project loadtest/Benchmarks -- --filter '*MotionRead*'</c>
/// </summary>
/// <remarks>
/// In process, with few warm-ups and more iterations than a short run: each operation is microseconds, and on a
/// contended machine the median of more iterations says more than building and launching a process per benchmark.
/// </remarks>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MotionReadBenchmarks
{
    private static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create([PhoneBatchFormatter.Instance], [StandardResolver.Instance]));

    private byte[] _record = [];
    private ReadOnlySequence<byte> _arguments;

    /// <summary>Samples per batch: 10 is a phone at 50 Hz sending every 200 ms.</summary>
    [Params(10, 50)]
    public int Samples { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // As the SignalR .NET client (and the load tool) writes a batch: every number a float64.
        var random = new Random(19);
        _record = MotionBatchCodec.Encode(new MotionBatch
        {
            GameId = "ABCDE",
            PlayerId = "p0123456789abcdef",
            Seq = 1234,
            Samples = [.. Enumerable.Range(0, Samples).Select(i => new MotionSample
            {
                T = 1_733_000_000_000 + (20.0 * i) + random.NextDouble(),
                X = (random.NextDouble() * 20) - 10,
                Y = (random.NextDouble() * 20) - 10,
                Z = (random.NextDouble() * 20) - 10,
            })],
        });

        // The hub's formatter reads from SignalR's arguments array, after its header.
        _arguments = new ReadOnlySequence<byte>([0x91, .. _record]);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("hub")]
    public PhoneBatch? HubBindWithReader()
    {
        var reader = new MessagePackReader(_arguments);
        reader.ReadArrayHeader();
        return PhoneBatchFormatter.DeserializeWithReader(ref reader, Options);
    }

    [Benchmark]
    [BenchmarkCategory("hub")]
    public PhoneBatch? HubBindByScan()
    {
        var reader = new MessagePackReader(_arguments);
        reader.ReadArrayHeader();
        return PhoneBatchFormatter.Instance.Deserialize(ref reader, Options);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("score")]
    public MotionBatch ScoreReadWithReader()
    {
        MotionRecordReader.TryReadWithReader(_record, out var batch);
        return batch;
    }

    [Benchmark]
    [BenchmarkCategory("score")]
    public MotionBatch ScoreReadByScan()
    {
        MotionRecordReader.TryRead(_record, out var batch);
        return batch;
    }

    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() =>
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(15));
    }
}
