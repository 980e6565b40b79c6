using System.Diagnostics.Metrics;

namespace Game.Functions.Games;

/// <summary>
/// Where a score change waits inside the game grain on its way to the displays, per frame (never per record):
/// exported at <c>/metrics</c> so the load tool can put the grain's share of send → display beside the function's
/// (IteratorAge, Duration) and the transport's.
/// </summary>
/// <remarks>
/// One process-wide meter, as the grains of one silo share it; the histograms carry no tags (one game or many, the
/// question is how long a frame waits, not which game's).
/// </remarks>
public static class GameMetrics
{
    public const string MeterName = "Game.Games";

    /// <summary>Finer buckets than the default below 100 ms: the frame interval (50 ms at 20 frames/s) sits there.</summary>
    private static readonly InstrumentAdvice<double> Buckets = new()
    {
        HistogramBucketBoundaries = [0, 1, 2, 5, 10, 15, 20, 30, 40, 50, 60, 75, 100, 150, 200, 300, 500, 750, 1000, 2500, 5000],
    };

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Per frame: how long its oldest score change waited in the grain before the frame was built.</summary>
    public static readonly Histogram<double> FrameWait = Meter.CreateHistogram(
        "FrameWait", unit: "ms", description: "Per display frame: from the oldest score change it carries reaching the game grain to the frame being built.", tags: null, advice: Buckets);

    /// <summary>Per frame: from its building to the hub having written it to every display.</summary>
    public static readonly Histogram<double> FrameSend = Meter.CreateHistogram(
        "FrameSend", unit: "ms", description: "Per display frame: from its building to the hub having written it to the displays.", tags: null, advice: Buckets);

    /// <summary>Per tick that built something: how long the grain's turn took (frame, hall delta, standings); calls queue behind it.</summary>
    public static readonly Histogram<double> TickTurn = Meter.CreateHistogram(
        "TickTurn", unit: "ms", description: "Per game tick that built a frame or standings: the time the grain's turn took.", tags: null, advice: Buckets);
}
