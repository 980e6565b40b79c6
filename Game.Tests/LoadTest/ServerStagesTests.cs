using LoadTest.Reporting;

namespace Game.Tests.LoadTest;

/// <summary>The server's stage histograms in the load report: read from /metrics, over the steady window only.</summary>
public sealed class ServerStagesTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-12-02T08:00:00Z");

    [Fact]
    public void From_Readings_TakesTheStepsAfterTheRampUp_SummedOverShards()
    {
        var readings = new[]
        {
            Reading(T0, (10, 20, 20), (0, 0, 0)),
            Reading(T0.AddSeconds(2), (10, 20, 20), (0, 0, 0)),
            Reading(T0.AddSeconds(10), (60, 110, 120), (40, 40, 40)),
        };

        var stage = Assert.Single(ServerStages.From(readings, rampUp: TimeSpan.FromSeconds(2))!);

        // In the window: 90 at most 10 ms, 130 at most 50 ms, 140 in all. p50 is the 70th: 7/9 of the way to 10 ms;
        // p99 (the 138.6th) lies beyond the last finite bound, which is answered.
        Assert.Equal(new StageLatency("FrameWait", ServerStages.Known[2].Per, 140, 7.8, 50), stage);
    }

    [Fact]
    public void From_NoStageHistograms_Null()
    {
        var reading = ServerReading.Parse(Cpu, T0)!;

        Assert.Null(reading.Stages);
        Assert.Null(ServerStages.From([reading, reading with { At = T0.AddSeconds(10) }], TimeSpan.Zero));
    }

    private const string Cpu = """
        dotnet_process_cpu_time_seconds_total{otel_scope_name="System.Runtime",cpu_mode="user"} 1
        dotnet_process_memory_working_set_bytes{otel_scope_name="System.Runtime"} 100

        """;

    /// <summary>A /metrics text with FrameWait's cumulative buckets (le 10, 50, +Inf) for two shards, and another histogram.</summary>
    private static ServerReading Reading(DateTimeOffset at, (int Le10, int Le50, int All) a, (int Le10, int Le50, int All) b) =>
        ServerReading.Parse(Cpu + $$"""
            FrameWait_milliseconds_bucket{otel_scope_name="Game.Games",shard="a",le="0"} 0
            FrameWait_milliseconds_bucket{otel_scope_name="Game.Games",shard="a",le="10"} {{a.Le10}}
            FrameWait_milliseconds_bucket{otel_scope_name="Game.Games",shard="a",le="50"} {{a.Le50}}
            FrameWait_milliseconds_bucket{otel_scope_name="Game.Games",shard="a",le="+Inf"} {{a.All}}
            FrameWait_milliseconds_bucket{otel_scope_name="Game.Games",shard="b",le="0"} 0
            FrameWait_milliseconds_bucket{otel_scope_name="Game.Games",shard="b",le="10"} {{b.Le10}}
            FrameWait_milliseconds_bucket{otel_scope_name="Game.Games",shard="b",le="50"} {{b.Le50}}
            FrameWait_milliseconds_bucket{otel_scope_name="Game.Games",shard="b",le="+Inf"} {{b.All}}
            FrameWait_milliseconds_sum{otel_scope_name="Game.Games",shard="b"} 12
            AsyncEventAge_milliseconds_bucket{le="10"} 7
            """, at)!;
}
