using System.Globalization;

namespace LoadTest.Reporting;

/// <summary>The server's own CPU and memory over a run, read from its <c>/metrics</c> (runtime instrumentation).</summary>
/// <remarks>The managed heap (as of the last GC before each reading) is null when the server does not export it.</remarks>
public sealed record ServerResources(
    double CpuCoresUsed, double WorkingSetStartMiB, double WorkingSetEndMiB, double WorkingSetPeakMiB, double? ManagedHeapStartMiB = null, double? ManagedHeapEndMiB = null);

/// <summary>One reading of the server's process counters.</summary>
/// <remarks>
/// <c>ManagedHeapBytes</c>: the GC heap as the last collection left it, all generations (null when not exported).
/// Less noisy than the working set, which holds what the GC has not returned to the system yet.
/// <c>Collections</c>: garbage collections so far, all generations (null when not exported): a heap reading is only
/// news when a collection came between it and the previous one.
/// <c>Gen0Collections</c>…<c>Gen2Collections</c>: the same per generation; <c>ThreadPoolThreads</c>: the thread pool's
/// threads now (null when not exported); <c>Stages</c>: the send → display stage histograms (<see cref="ServerStages"/>).
/// </remarks>
public sealed record ServerReading(
    DateTimeOffset At,
    double CpuSeconds,
    double WorkingSetBytes,
    double? ManagedHeapBytes = null,
    double? Collections = null,
    double? Gen0Collections = null,
    double? Gen1Collections = null,
    double? Gen2Collections = null,
    double? ThreadPoolThreads = null,
    IReadOnlyDictionary<string, SortedDictionary<double, double>>? Stages = null)
{
    /// <summary>
    /// Reads <c>dotnet_process_cpu_time_seconds_total</c> (summed over CPU modes),
    /// <c>dotnet_process_memory_working_set_bytes</c> and <c>dotnet_gc_last_collection_heap_size_bytes</c> (summed
    /// over generations) from Prometheus text; null when the CPU time or the working set is missing.
    /// </summary>
    public static ServerReading? Parse(string prometheusText, DateTimeOffset at)
    {
        double? cpu = null, memory = null, heap = null, collections = null, gen0 = null, gen1 = null, gen2 = null, threads = null;
        foreach (var line in prometheusText.Split('\n'))
        {
            if (line.StartsWith("dotnet_process_cpu_time_seconds_total", StringComparison.Ordinal))
            {
                cpu = (cpu ?? 0) + Value(line);
            }
            else if (line.StartsWith("dotnet_process_memory_working_set_bytes", StringComparison.Ordinal))
            {
                memory = Value(line);
            }
            else if (line.StartsWith("dotnet_gc_last_collection_heap_size_bytes", StringComparison.Ordinal))
            {
                heap = (heap ?? 0) + Value(line);
            }
            else if (line.StartsWith("dotnet_gc_collections_total", StringComparison.Ordinal))
            {
                var count = Value(line);
                collections = (collections ?? 0) + count;
                if (line.Contains("gc_heap_generation=\"gen0\"", StringComparison.Ordinal))
                {
                    gen0 = count;
                }
                else if (line.Contains("gc_heap_generation=\"gen1\"", StringComparison.Ordinal))
                {
                    gen1 = count;
                }
                else if (line.Contains("gc_heap_generation=\"gen2\"", StringComparison.Ordinal))
                {
                    gen2 = count;
                }
            }
            else if (line.StartsWith("dotnet_thread_pool_thread_count", StringComparison.Ordinal))
            {
                threads = Value(line);
            }
        }

        return cpu is { } c && memory is { } m ? new ServerReading(at, c, m, heap, collections, gen0, gen1, gen2, threads, ServerStages.Parse(prometheusText) is { Count: > 0 } stages ? stages : null) : null;
    }

    /// <summary>CPU cores used between two readings, and the memory seen in all of them.</summary>
    public static ServerResources? Summarize(IReadOnlyList<ServerReading> readings)
    {
        if (readings.Count < 2)
        {
            return null;
        }

        var (first, last) = (readings[0], readings[^1]);
        var seconds = (last.At - first.At).TotalSeconds;
        const double MiB = 1024 * 1024;
        return new ServerResources(
            seconds > 0 ? Math.Round((last.CpuSeconds - first.CpuSeconds) / seconds, 2) : 0,
            Math.Round(first.WorkingSetBytes / MiB, 1),
            Math.Round(last.WorkingSetBytes / MiB, 1),
            Math.Round(readings.Max(r => r.WorkingSetBytes) / MiB, 1),
            first.ManagedHeapBytes is { } heapStart ? Math.Round(heapStart / MiB, 1) : null,
            last.ManagedHeapBytes is { } heapEnd ? Math.Round(heapEnd / MiB, 1) : null);
    }

    private static double Value(string line) =>
        double.Parse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
}
