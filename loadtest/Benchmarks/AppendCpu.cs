using System.Diagnostics;

namespace Game.Benchmarks;

/// <summary>
/// The append path's micro-benchmarks (<see cref="StreamWriterBenchmarks"/>, <see cref="RoutingBenchmarks"/>) as CPU
/// time rather than wall time, methods alternated round by round (A B C D, B C D A, …) on the same instance, medians
/// reported as ratios to the first (the code before): on a shared VM whose other tenants steal the CPU, wall-clock
/// means drift by tens of percent between methods run minutes apart; CPU time of alternated rounds does not.
/// </summary>
public static class AppendCpu
{
    public static void Run(int rounds = 9)
    {
        var writer = new StreamWriterBenchmarks();
        writer.Setup();
        Measure("stream writer, 4,000 records per group (synchronous = OFF)", rounds, 10, 4_000,
            ("OneInsertPerRecord (before)", writer.OneInsertPerRecord),
            ("IndexBoundOneRow (now)", writer.IndexBoundOneRow),
            ("MultiRow64", writer.MultiRow64),
            ("MultiRow256", writer.MultiRow256));
        writer.Cleanup();

        var routing = new RoutingBenchmarks();
        routing.Setup();
        Measure("routing and answer, 2,000 players' keys", rounds, 50, 2_000,
            ("BigIntegerRoute (before)", () => routing.BigIntegerRoute()),
            ("UInt128Route", () => routing.UInt128Route()),
            ("CachedRoute (now)", () => routing.CachedRoute()),
            ("AnswerInterpolated (before)", () => routing.AnswerInterpolated()),
            ("AnswerNow (now)", () => routing.AnswerNow()));
    }

    private static void Measure(string title, int rounds, int callsPerRound, int recordsPerCall, params (string Name, Action Call)[] methods)
    {
        var cpu = methods.Select(_ => new List<double>()).ToArray();
        var allocated = new long[methods.Length];
        var process = Process.GetCurrentProcess();
        for (var round = 0; round <= rounds; round++)
        {
            for (var k = 0; k < methods.Length; k++)
            {
                var m = (round + k) % methods.Length;
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var bytesBefore = GC.GetAllocatedBytesForCurrentThread();
                for (var c = 0; c < callsPerRound; c++)
                {
                    methods[m].Call();
                }

                var bytes = GC.GetAllocatedBytesForCurrentThread() - bytesBefore;
                process.Refresh();
                // Round 0 warms up (tiering, caches) and is not counted.
                if (round > 0)
                {
                    cpu[m].Add((process.TotalProcessorTime - cpuBefore).TotalNanoseconds / (callsPerRound * (double)recordsPerCall));
                    allocated[m] = bytes / (callsPerRound * recordsPerCall);
                }
            }
        }

        Console.WriteLine($"## {title}: CPU ns per record, median of {rounds} alternated rounds");
        var baseline = Median(cpu[0]);
        for (var m = 0; m < methods.Length; m++)
        {
            var median = Median(cpu[m]);
            Console.WriteLine($"{methods[m].Name,-30} {median,9:F0} ns  ratio {median / baseline,5:F2}  (min {cpu[m].Min(),7:F0}, max {cpu[m].Max(),7:F0})  {allocated[m],5} B allocated");
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
