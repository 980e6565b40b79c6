using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Game.Benchmarks;

/// <summary>
/// ShortRun in the benchmark's own process: no generated project to build, which on the shared 2-core VM under load
/// ran past BenchmarkDotNet's two-minute build timeout. Before and after run in the same process, one after the other.
/// </summary>
public sealed class InProcessShortRunConfig : ManualConfig
{
    public InProcessShortRunConfig() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
}
