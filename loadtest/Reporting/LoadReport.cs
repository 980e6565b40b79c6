using HdrHistogram;
using LoadTest.Junk;

namespace LoadTest.Reporting;

/// <summary>How a run ended; also the process exit code.</summary>
public enum Outcome
{
    Passed = 0,
    Failed = 1,
    BadOptions = 2,
    Aborted = 3,
}

/// <summary>A latency distribution in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double MaxMs)
{
    public static LatencySummary From(HistogramBase histogram) => histogram.TotalCount == 0
        ? new LatencySummary(0, 0, 0, 0, 0)
        : new LatencySummary(
            histogram.TotalCount,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetMaxValue()));

    private static double Ms(long microseconds) => Math.Round(microseconds / 1000.0, 2);
}

/// <summary>The delays of one window of a run: the ramp-up's, reported apart from the steady window's.</summary>
public sealed record WindowLatencySummary(LatencySummary Ack, LatencySummary EndToEnd, LatencySummary SampleWait, LatencySummary FrameDelivery)
{
    public static WindowLatencySummary From(WindowLatencies window) => new(
        LatencySummary.From(window.Ack),
        LatencySummary.From(window.EndToEnd),
        LatencySummary.From(window.SampleWait),
        LatencySummary.From(window.FrameDelivery));
}

/// <summary>
/// Process CPU time read at one instant: the server's from its <c>/metrics</c> (null when it has none), and the
/// tool's own (<see cref="Environment.CpuUsage"/>).
/// </summary>
public sealed record CpuReading(DateTimeOffset At, double? ServerCpuSeconds, double ToolCpuSeconds);

/// <summary>
/// CPU over the steady window, per message and per sample at the window's achieved rates: what one phone message
/// costs the server, and what measuring it costs the tool.
/// </summary>
/// <remarks>
/// Server figures are null when the server exports no CPU time; per-message figures are null when nothing was
/// achieved. <c>ToolToServer</c>: the tool's CPU over the server's, which should stay at or under 0.5.
/// </remarks>
public sealed record SteadyCpu(
    double Seconds,
    double? ServerCores,
    double? ServerMicrosecondsPerMessage,
    double? ServerMicrosecondsPerSample,
    double ToolCores,
    double? ToolMicrosecondsPerMessage,
    double? ToolMicrosecondsPerSample,
    double? ToolToServer)
{
    /// <summary>The figures between two readings at the window's start and end; null when no time passed between them.</summary>
    public static SteadyCpu? From(CpuReading start, CpuReading end, double messagesPerSecond, double samplesPerSecond)
    {
        var seconds = (end.At - start.At).TotalSeconds;
        if (seconds <= 0)
        {
            return null;
        }

        double? serverCores = start.ServerCpuSeconds is { } s0 && end.ServerCpuSeconds is { } s1 ? (s1 - s0) / seconds : null;
        var toolCores = (end.ToolCpuSeconds - start.ToolCpuSeconds) / seconds;
        return new SteadyCpu(
            Math.Round(seconds, 3),
            Round(serverCores, 3),
            Round(PerUnit(serverCores, messagesPerSecond), 1),
            Round(PerUnit(serverCores, samplesPerSecond), 2),
            Math.Round(toolCores, 3),
            Round(PerUnit(toolCores, messagesPerSecond), 1),
            Round(PerUnit(toolCores, samplesPerSecond), 2),
            Round(serverCores > 0 ? toolCores / serverCores : null, 3));
    }

    // Cores are CPU-seconds per second: over a rate per second, seconds per unit; in microseconds.
    private static double? PerUnit(double? cores, double perSecond) => cores is { } c && perSecond > 0 ? c * 1e6 / perSecond : null;

    private static double? Round(double? value, int digits) => value is { } v ? Math.Round(v, digits) : null;
}

/// <summary>One phone's result: what it had acknowledged and what the scoreboard says.</summary>
/// <remarks>
/// <c>UncertainPoints</c>: points of a last batch sent but never acknowledged, which the score may include or not.
/// <c>ActualScore</c>: the scoreboard's score; null when not verified (baseline, or the scoreboard was not read).
/// </remarks>
public sealed record PlayerResult(
    string PlayerId,
    string Nickname,
    long BatchesAcked,
    long SamplesAcked,
    long LastAckedSeq,
    long ExpectedScore,
    long UncertainPoints,
    long? ActualScore)
{
    public bool Matches => ActualScore is { } actual && (actual == ExpectedScore || (UncertainPoints > 0 && actual == ExpectedScore + UncertainPoints));

    /// <summary>Points the scoreboard lacks (expected above actual).</summary>
    public long LostPoints => ActualScore is { } actual && actual < ExpectedScore ? ExpectedScore - actual : 0;

    /// <summary>Points the scoreboard has beyond what was sent and acknowledged (actual above expected, uncertain batch included).</summary>
    public long DoubledPoints => ActualScore is { } actual && actual > ExpectedScore + UncertainPoints ? actual - ExpectedScore - UncertainPoints : 0;
}

/// <summary>Expected against the scoreboard, per player.</summary>
/// <remarks>
/// <c>Performed</c> is false with --baseline, or when the run was aborted before the scoreboard was read.
/// <c>SettledAfterMs</c>: how long after the round stopped the scoreboard matched (or the settle timeout).
/// Lost and doubled are in points, the unit the scoreboard has: expected above actual, and actual above expected.
/// </remarks>
public sealed record Verification(
    bool Performed,
    bool Passed,
    int PlayersMatched,
    int PlayersLost,
    int PlayersDoubled,
    int PlayersMissing,
    long LostPoints,
    long DoubledPoints,
    long ExpectedTotal,
    long ActualTotal,
    double SettledAfterMs);

public sealed record Throughput(
    double OfferedMessagesPerSecond,
    double OfferedSamplesPerSecond,
    double AchievedMessagesPerSecond,
    double AchievedSamplesPerSecond,
    double SteadySeconds,
    long SendAttempts,
    long BatchesAcked,
    long SamplesAcked);

/// <summary>A real run's achieved rate beside the do-nothing hub's, measured in the same invocation (<c>--compare-baseline</c>).</summary>
/// <remarks><c>Ratio</c>: achieved samples/s of the real run over the baseline's; the target is at least <see cref="Target"/>.</remarks>
public sealed record BaselineComparison(
    double BaselineAchievedMessagesPerSecond,
    double BaselineAchievedSamplesPerSecond,
    LatencySummary BaselineAckLatency,
    double? BaselineServerCpuCores,
    Outcome BaselineOutcome,
    double Ratio,
    SteadyCpu? BaselineCpu = null,
    double? ServerCpuPerMessageRatio = null,
    double? ServerCpuPerSampleRatio = null,
    double? EndToEndP99ToBaselineAckP99 = null)
{
    public const double Target = 0.5;

    public static BaselineComparison From(LoadReport baseline, LoadReport real) => new(
        baseline.Throughput.AchievedMessagesPerSecond,
        baseline.Throughput.AchievedSamplesPerSecond,
        baseline.AckLatency,
        baseline.Server?.CpuCoresUsed,
        baseline.Outcome,
        baseline.Throughput.AchievedSamplesPerSecond > 0
            ? Math.Round(real.Throughput.AchievedSamplesPerSecond / baseline.Throughput.AchievedSamplesPerSecond, 3)
            : 0,
        baseline.Cpu,
        PerUnitRatio(real.Cpu?.ServerMicrosecondsPerMessage, baseline.Cpu?.ServerMicrosecondsPerMessage),
        PerUnitRatio(real.Cpu?.ServerMicrosecondsPerSample, baseline.Cpu?.ServerMicrosecondsPerSample),
        // Issue 19's delay goal: the real path's send → display p99 against the bare transport's ack p99, same invocation.
        real.EndToEnd.Count > 0 ? PerUnitRatio(real.EndToEnd.P99Ms, baseline.AckLatency.P99Ms) : null);

    private static double? PerUnitRatio(double? real, double? baseline) => real is { } r && baseline is > 0 ? Math.Round(r / baseline.Value, 3) : null;
}

/// <summary>Everything a run found: printed, and written as report.md and report.json.</summary>
public sealed record LoadReport
{
    public required string Mode { get; init; }

    /// <summary>How batches reached the server: <c>hub</c> or <c>kinesis</c>.</summary>
    public string Via { get; init; } = "hub";

    public required string Url { get; init; }

    public string? GameId { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required double ElapsedSeconds { get; init; }

    public required int Phones { get; init; }

    public required int Presenters { get; init; }

    public required int Hz { get; init; }

    public required double SendIntervalMs { get; init; }

    public required double SamplesPerBatch { get; init; }

    public required double DurationSeconds { get; init; }

    public required double RampUpSeconds { get; init; }

    public required int Seed { get; init; }

    public required Throughput Throughput { get; init; }

    /// <summary>Ack delays of batches sent in the steady window (after the ramp-up).</summary>
    public required LatencySummary AckLatency { get; init; }

    /// <summary>Send-to-display delays of batches sent in the steady window (after the ramp-up).</summary>
    public required LatencySummary EndToEnd { get; init; }

    /// <summary>The same delays for what was sent (frames: received) during the ramp-up, kept out of the figures above.</summary>
    public WindowLatencySummary? RampUp { get; init; }

    /// <summary>Server and tool CPU over the steady window, per message and per sample; null when the window was not read.</summary>
    public SteadyCpu? Cpu { get; init; }

    /// <summary>How long a batch's oldest sample waited on the phone before the send (before <see cref="EndToEnd"/> starts).</summary>
    public LatencySummary? SampleWait { get; init; }

    /// <summary>From the server making a display frame to the presenter receiving it (part of <see cref="EndToEnd"/>).</summary>
    public LatencySummary? FrameDelivery { get; init; }

    /// <summary>The server's own stage histograms over the steady window (function, game grain); null when it exports none.</summary>
    public IReadOnlyList<StageLatency>? Stages { get; init; }

    public required long Frames { get; init; }

    public required long FramesWithApplied { get; init; }

    /// <summary>Standings (own score and rank) the phones received over their hub connections, pushed or inside acks.</summary>
    public long Standings { get; init; }

    /// <summary>The part of <see cref="Standings"/> that came inside acks.</summary>
    public long StandingsInAcks { get; init; }

    public required IReadOnlyDictionary<string, long> Errors { get; init; }

    public required long ErrorCount { get; init; }

    public required double ErrorRate { get; init; }

    public required double MaxErrorRate { get; init; }

    public required long Reconnects { get; init; }

    /// <summary>The server's CPU (cores) and working set while phones sent, from its /metrics; null when it had none.</summary>
    public ServerResources? Server { get; init; }

    /// <summary>With several <c>--url</c>: each node's CPU and memory, and all nodes' CPU per sample.</summary>
    public ClusterResources? Cluster { get; init; }

    /// <summary>With <c>--redis</c>: Redis' command and PUBLISH rates while phones sent.</summary>
    public RedisRates? Redis { get; init; }

    /// <summary>The server's CPU, memory, collections and threads every <c>--series-every</c> while phones sent (from /metrics).</summary>
    public IReadOnlyList<ServerSeriesPoint> Series { get; init; } = [];

    /// <summary>With <c>--junk-rate</c>: the junk flood beside the phones, per shape, with how the server answered.</summary>
    public JunkReport? Junk { get; init; }

    /// <summary>Per second while phones sent: samples acknowledged and the end-to-end p99 of that second.</summary>
    public IReadOnlyList<TimelinePoint> Timeline { get; init; } = [];

    /// <summary>With <c>--via kinesis</c>: PutRecords calls made (records per call = batches sent / this).</summary>
    public long? KinesisRequests { get; init; }

    /// <summary>With <c>--compare-baseline</c>: the baseline phase of the same invocation and the ratio to it.</summary>
    public BaselineComparison? Baseline { get; init; }

    /// <summary>With <c>--idle</c>: the server's working set growth per connected phone, bytes.</summary>
    public double? IdleBytesPerPhone { get; init; }

    /// <summary>With <c>--idle</c>: the server's managed heap growth per connected phone, bytes (as of each reading's last GC).</summary>
    public double? IdleHeapBytesPerPhone { get; init; }

    public required Verification Verification { get; init; }

    public required IReadOnlyList<PlayerResult> Players { get; init; }

    public required Outcome Outcome { get; init; }

    /// <summary>Why the run did not pass, one line each; empty when it passed.</summary>
    public required IReadOnlyList<string> Failures { get; init; }

    /// <summary>Things worth knowing that do not fail the run.</summary>
    public required IReadOnlyList<string> Notes { get; init; }
}

/// <summary>One second of a run, for the chart.</summary>
public sealed record TimelinePoint(double Second, double SamplesPerSecond, double EndToEndP99Ms, long Errors);
