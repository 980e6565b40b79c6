using BenchmarkDotNet.Running;
using Game.Benchmarks;

// dotnet run -c Release --project loadtest/Benchmarks -- --filter '*'   BenchmarkDotNet suites (durable appends)
// dotnet run -c Release --project loadtest/Benchmarks -- functions      invocation overhead and append-to-function delay
// dotnet run -c Release --project loadtest/Benchmarks -- append-cpu [rounds]  the append path's writer and routing, before/after, as CPU time
if (args is ["append-cpu", ..])
{
    AppendCpu.Run(args is [_, var rounds, ..] ? int.Parse(rounds, System.Globalization.CultureInfo.InvariantCulture) : 9);
    return;
}

if (args is ["functions", ..])
{
    await FunctionLatency.RunAsync();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(DurableAppendBenchmarks).Assembly).Run(args);
