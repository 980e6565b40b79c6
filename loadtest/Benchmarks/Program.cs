using BenchmarkDotNet.Running;
using Game.Benchmarks;

// dotnet run -c Release --project loadtest/Benchmarks -- --filter '*'   BenchmarkDotNet suites (durable appends)
// dotnet run -c Release --project loadtest/Benchmarks -- functions      invocation overhead and append-to-function delay
if (args is ["functions", ..])
{
    await FunctionLatency.RunAsync();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(DurableAppendBenchmarks).Assembly).Run(args);
