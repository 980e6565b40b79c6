using LoadTest.Reporting;

namespace Game.Tests.LoadTest;

public sealed class ServerResourcesTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-28T12:00:00Z");

    [Fact]
    public void Parse_PrometheusText_SumsCpuModesAndReadsTheWorkingSet()
    {
        const string text = """
            # TYPE dotnet_process_cpu_time_seconds_total counter
            dotnet_process_cpu_time_seconds_total{otel_scope_name="System.Runtime",cpu_mode="user"} 1.5
            dotnet_process_cpu_time_seconds_total{otel_scope_name="System.Runtime",cpu_mode="system"} 0.25
            dotnet_process_memory_working_set_bytes{otel_scope_name="System.Runtime"} 104857600
            Invocations_total{function="score"} 3
            """;

        Assert.Equal(new ServerReading(T0, 1.75, 104_857_600), ServerReading.Parse(text, T0));
        Assert.Null(ServerReading.Parse("Invocations_total 3", T0));
    }

    [Fact]
    public void Parse_GcHeapSizes_SumsTheGenerationsAsTheManagedHeap()
    {
        const string text = """
            dotnet_process_cpu_time_seconds_total{otel_scope_name="System.Runtime",cpu_mode="user"} 2
            dotnet_process_memory_working_set_bytes{otel_scope_name="System.Runtime"} 131092480
            dotnet_gc_last_collection_heap_size_bytes{otel_scope_name="System.Runtime",gc_heap_generation="gen0"} 280464
            dotnet_gc_last_collection_heap_size_bytes{otel_scope_name="System.Runtime",gc_heap_generation="gen1"} 182984
            dotnet_gc_last_collection_heap_size_bytes{otel_scope_name="System.Runtime",gc_heap_generation="gen2"} 3122464
            dotnet_gc_last_collection_heap_size_bytes{otel_scope_name="System.Runtime",gc_heap_generation="loh"} 21572416
            dotnet_gc_last_collection_heap_size_bytes{otel_scope_name="System.Runtime",gc_heap_generation="poh"} 24528
            dotnet_gc_last_collection_heap_fragmentation_size_bytes{otel_scope_name="System.Runtime",gc_heap_generation="gen0"} 145024
            dotnet_gc_collections_total{otel_scope_name="System.Runtime",gc_heap_generation="gen2"} 2
            dotnet_gc_collections_total{otel_scope_name="System.Runtime",gc_heap_generation="gen1"} 1
            dotnet_gc_collections_total{otel_scope_name="System.Runtime",gc_heap_generation="gen0"} 3
            dotnet_thread_pool_thread_count_total{otel_scope_name="System.Runtime"} 7
            """;

        // Collections summed, and kept per generation; the thread pool's threads as they are now.
        Assert.Equal(new ServerReading(T0, 2, 131_092_480, 25_182_856, 6, Gen0Collections: 3, Gen1Collections: 1, Gen2Collections: 2, ThreadPoolThreads: 7), ServerReading.Parse(text, T0));
    }

    [Fact]
    public void Summarize_Readings_GiveCoresOverTheSpanAndMemory()
    {
        var readings = new[]
        {
            new ServerReading(T0, 10, 100 * 1024 * 1024),
            new ServerReading(T0.AddSeconds(1), 11, 300 * 1024 * 1024),
            new ServerReading(T0.AddSeconds(4), 16, 200 * 1024 * 1024),
        };

        Assert.Equal(new ServerResources(1.5, 100, 200, 300), ServerReading.Summarize(readings));
        Assert.Null(ServerReading.Summarize(readings[..1]));
        Assert.Equal(
            new ServerResources(1, 100, 100, 100, 10, 20),
            ServerReading.Summarize([new ServerReading(T0, 1, 100 * 1024 * 1024, 10 * 1024 * 1024), new ServerReading(T0.AddSeconds(1), 2, 100 * 1024 * 1024, 20 * 1024 * 1024)]));
    }
}
