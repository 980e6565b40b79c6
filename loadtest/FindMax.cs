using LoadTest.Options;
using LoadTest.Reporting;
using Microsoft.Extensions.Logging;

namespace LoadTest;

/// <summary>One step of a <c>--find-max</c> search.</summary>
/// <remarks>
/// <c>EndToEndP99Ms</c> is of the steady window, the only one the step is judged on; <c>RampUpEndToEndP99Ms</c>, of
/// the batches sent during the ramp-up, is shown beside it and decides nothing.
/// </remarks>
public sealed record FindMaxStep(
    int Phones, double OfferedSamplesPerSecond, double AchievedSamplesPerSecond, double EndToEndP99Ms, bool Verified, double ErrorRate, bool Held, string Why,
    double? RampUpEndToEndP99Ms = null);

/// <summary>
/// Raises the load step by step — each step a whole, verified run with more phones — and stops at the first step
/// that breaks the delay target, the error budget or the verification. The answer is the last step that held.
/// </summary>
public sealed partial class FindMax(LoadOptions options, TimeProvider time, ILoggerFactory loggers, ProgressView? progress = null)
{
    public async Task<(IReadOnlyList<FindMaxStep> Steps, FindMaxStep? Highest)> RunAsync(CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger<FindMax>();
        var steps = new List<FindMaxStep>();
        var phones = options.Phones;
        for (var i = 0; i < LoadOptions.FindMaxSteps && !cancellationToken.IsCancellationRequested; i++)
        {
            var report = await new LoadRunner(options with { Phones = phones, FindMax = false, ReportDirectory = null }, time, loggers.CreateLogger<LoadRunner>(), progress).RunAsync(cancellationToken);
            var step = Judge(phones, report, options.TargetP99);
            steps.Add(step);
            LogStep(logger, phones, step.AchievedSamplesPerSecond, step.EndToEndP99Ms, step.Held, step.Why);
            if (!step.Held)
            {
                break;
            }

            phones = (int)Math.Ceiling(phones * LoadOptions.FindMaxGrowth);
        }

        return (steps, steps.LastOrDefault(s => s.Held));
    }

    /// <summary>
    /// A step holds when it passed (verified, errors within budget), reached 95 % of its offer, and kept the delay
    /// target in the steady window (the ramp-up's delays, a fresh round and phones starting, decide nothing).
    /// </summary>
    public static FindMaxStep Judge(int phones, LoadReport report, TimeSpan targetP99)
    {
        var t = report.Throughput;
        var reasons = new List<string>();
        if (report.Outcome != Outcome.Passed)
        {
            reasons.Add($"run {report.Outcome.ToString().ToLowerInvariant()}: {string.Join("; ", report.Failures)}");
        }

        if (t.AchievedSamplesPerSecond < 0.95 * t.OfferedSamplesPerSecond)
        {
            reasons.Add($"achieved {t.AchievedSamplesPerSecond:N0} of {t.OfferedSamplesPerSecond:N0} samples/s");
        }

        if (report.EndToEnd.P99Ms > targetP99.TotalMilliseconds)
        {
            reasons.Add($"p99 {report.EndToEnd.P99Ms:N0} ms over {targetP99.TotalMilliseconds:N0} ms");
        }

        return new FindMaxStep(phones, t.OfferedSamplesPerSecond, t.AchievedSamplesPerSecond, report.EndToEnd.P99Ms,
            report.Verification.Passed, report.ErrorRate, reasons.Count == 0, reasons.Count == 0 ? "held" : string.Join("; ", reasons),
            report.RampUp is { EndToEnd.Count: > 0 } ramp ? ramp.EndToEnd.P99Ms : null);
    }

    public static string Table(IReadOnlyList<FindMaxStep> steps, FindMaxStep? highest)
    {
        var lines = new List<string>
        {
            "| phones | offered samples/s | achieved samples/s | end-to-end p99 (steady) | verified | held | ramp-up end-to-end p99 |",
            "|---|---|---|---|---|---|---|",
        };
        lines.AddRange(steps.Select(s => FormattableString.Invariant(
            $"| {s.Phones:N0} | {s.OfferedSamplesPerSecond:N0} | {s.AchievedSamplesPerSecond:N0} | {s.EndToEndP99Ms:N1} ms | {(s.Verified ? "yes" : "no")} | {s.Why} | {(s.RampUpEndToEndP99Ms is { } r ? FormattableString.Invariant($"{r:N1} ms") : "—")} |")));
        lines.Add(highest is null
            ? "No step held: lower --phones and try again."
            : FormattableString.Invariant($"Highest sustainable: {highest.Phones:N0} phones, {highest.AchievedSamplesPerSecond:N0} samples/s with end-to-end p99 {highest.EndToEndP99Ms:N1} ms."));
        return string.Join(Environment.NewLine, lines);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "find-max: {Phones} phones → {Achieved:N0} samples/s, p99 {P99:N1} ms: {Held} ({Why})")]
    private static partial void LogStep(ILogger logger, int phones, double achieved, double p99, bool held, string why);
}
