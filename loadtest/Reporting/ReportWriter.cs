// Longer than our usual 300 lines on purpose: one report (report.md), section by section in the order it reads.
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoadTest.Reporting;

/// <summary>Turns a <see cref="LoadReport"/> into the console summary, report.md and report.json.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string ToJson(LoadReport report) => JsonSerializer.Serialize(report, Json);

    public static async Task WriteAsync(LoadReport report, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.json"), ToJson(report) + "\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.md"), Markdown(report), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "chart.svg"), TimelineChart.Svg(report.Timeline), cancellationToken);
    }

    public static string Summary(LoadReport r)
    {
        var t = r.Throughput;
        var s = new StringBuilder();
        s.AppendLine(Invariant($"{r.Mode} run via {r.Via} against {r.Url}{(r.GameId is null ? "" : $" (game {r.GameId})")}: {r.Outcome}"));
        s.AppendLine(Invariant($"  phones {r.Phones} × {r.Hz} Hz, a batch of {r.SamplesPerBatch} every {r.SendIntervalMs} ms, {r.DurationSeconds} s after {r.RampUpSeconds} s ramp-up; presenters {r.Presenters}; seed {r.Seed}"));
        s.AppendLine(Invariant($"  offered   {t.OfferedMessagesPerSecond,10:N1} msg/s {t.OfferedSamplesPerSecond,12:N1} samples/s"));
        s.AppendLine(Invariant($"  achieved  {t.AchievedMessagesPerSecond,10:N1} msg/s {t.AchievedSamplesPerSecond,12:N1} samples/s   (over {t.SteadySeconds:N1} s after ramp-up; {t.BatchesAcked:N0} batches, {t.SamplesAcked:N0} samples acked in all, {t.SendAttempts:N0} sends)"));
        if (r.KinesisRequests is { } requests)
        {
            s.AppendLine(Invariant($"  kinesis   {requests:N0} PutRecords calls, {t.SendAttempts / (double)Math.Max(1, requests):N1} records per call"));
        }

        if (r.Baseline is { } b)
        {
            s.AppendLine(Invariant($"  baseline  {b.BaselineAchievedMessagesPerSecond,10:N1} msg/s {b.BaselineAchievedSamplesPerSecond,12:N1} samples/s   (do-nothing hub, same run; {b.BaselineOutcome}); achieved / baseline = {b.Ratio:P1}"));
            s.AppendLine("  " + Latency("baseline ack", b.BaselineAckLatency) + Invariant($"   end-to-end p99 / baseline ack p99 = {Times(b.EndToEndP99ToBaselineAckP99)}"));
        }

        s.AppendLine(Invariant($"  latencies of batches sent in the steady window ({t.SteadySeconds:N1} s after the {r.RampUpSeconds} s ramp-up):"));
        s.AppendLine("  " + Latency("ack", r.AckLatency));
        if (r.SampleWait is { Count: > 0 } wait)
        {
            s.AppendLine("  " + Latency("sample wait on the phone", wait) + Invariant($"   (batches of {SamplesPerBatch(r):N1} samples on average)"));
        }

        s.AppendLine(r.Presenters > 0
            ? "  " + Latency("end-to-end", r.EndToEnd) + Invariant($"   ({r.Frames:N0} frames, {r.FramesWithApplied:N0} with applied seqs)")
            : "  end-to-end not measured (no presenters)");
        if (r.FrameDelivery is { Count: > 0 } delivery)
        {
            s.AppendLine("  " + Latency("of which frame delivery", delivery));
        }

        foreach (var stage in r.Stages ?? [])
        {
            s.AppendLine(Invariant($"  server stage {stage.Name,-12} p50 {stage.P50,8:N1} ms  p99 {stage.P99,8:N1} ms  (n={stage.Count:N0}, per {stage.Per})"));
        }

        if (r.RampUp is { } ramp && (ramp.Ack.Count > 0 || ramp.EndToEnd.Count > 0))
        {
            s.AppendLine("  " + Latency("ramp-up ack", ramp.Ack));
            if (r.Presenters > 0)
            {
                s.AppendLine("  " + Latency("ramp-up end-to-end", ramp.EndToEnd));
            }
        }

        s.AppendLine(Invariant($"  errors {r.ErrorCount:N0} ({r.ErrorRate:P2} of sends, budget {r.MaxErrorRate:P2}){Errors(r.Errors)}; reconnects {r.Reconnects:N0}"));
        s.AppendLine(r.Server is { } server
            ? Invariant($"  server    {server.CpuCoresUsed:N2} CPU cores; working set {server.WorkingSetStartMiB:N0} → {server.WorkingSetEndMiB:N0} MiB (peak {server.WorkingSetPeakMiB:N0} MiB){Heap(server)}")
            : "  server resources not read (no /metrics)");
        foreach (var line in ClusterLines(r))
        {
            s.AppendLine("  " + line);
        }
        if (r.Cpu is { } cpu)
        {
            s.AppendLine("  " + Cpu("cpu", cpu));
        }

        if (r.Baseline is { BaselineCpu: { } baselineCpu } bc)
        {
            s.AppendLine("  " + Cpu("baseline cpu", baselineCpu));
            s.AppendLine(Invariant($"  server cpu real / baseline: {Times(bc.ServerCpuPerMessageRatio)} per message, {Times(bc.ServerCpuPerSampleRatio)} per sample"));
        }

        if (r.IdleBytesPerPhone is { } perPhone)
        {
            s.AppendLine(Invariant($"  idle      {r.Phones:N0} phones connected: {perPhone / 1024:N1} KB of server working set per phone; managed heap {(r.IdleHeapBytesPerPhone is { } heap ? (heap / 1024).ToString("N1", CultureInfo.InvariantCulture) + " KB" : "not known")} per phone"));
        }

        if (r.Junk is { } junk)
        {
            s.AppendLine(Invariant($"  junk      {junk.Sent:N0} sent ({junk.SentPerSecond:N1}/s of {junk.RatePerSecond}/s asked, {junk.Skipped:N0} skipped at {junk.MaxInFlight} in flight), {junk.Unexpected:N0} not refused as expected"));
            foreach (var shape in junk.Shapes)
            {
                s.AppendLine(Invariant($"    {shape.Shape,-24} {shape.Sent,9:N0} sent, expected {shape.Expected,-7}: {JunkAnswers(shape.Answers)}{(shape.Unexpected > 0 ? $"  UNEXPECTED {shape.Unexpected:N0}" : "")}"));
            }
        }

        var v = r.Verification;
        s.AppendLine(v.Performed
            ? Invariant($"  verification {(v.Passed ? "passed" : "FAILED")}: {v.PlayersMatched}/{r.Phones} players match; lost {v.LostPoints:N0} points ({v.PlayersLost} players), doubled {v.DoubledPoints:N0} points ({v.PlayersDoubled} players), missing {v.PlayersMissing}; expected total {v.ExpectedTotal:N0}, scoreboard {v.ActualTotal:N0}, settled after {v.SettledAfterMs:N0} ms")
            : "  verification not performed");
        foreach (var failure in r.Failures)
        {
            s.AppendLine("  FAIL: " + failure);
        }

        foreach (var note in r.Notes)
        {
            s.AppendLine("  note: " + note);
        }

        return s.ToString();
    }

    public static string Markdown(LoadReport r)
    {
        var t = r.Throughput;
        var v = r.Verification;
        var s = new StringBuilder();
        s.AppendLine(Invariant($"# Load test: {r.Outcome}"));
        s.AppendLine();
        s.AppendLine(Invariant($"{r.Mode} run via {r.Via} against `{r.Url}`{(r.GameId is null ? "" : $", game `{r.GameId}`")}, started {r.StartedAt:u}, {r.ElapsedSeconds:N1} s in all."));
        s.AppendLine();
        s.AppendLine("| setting | value |");
        s.AppendLine("|---|---|");
        s.AppendLine(Invariant($"| phones | {r.Phones} |"));
        s.AppendLine(Invariant($"| sample rate | {r.Hz} Hz |"));
        s.AppendLine(Invariant($"| batch | {r.SamplesPerBatch} samples every {r.SendIntervalMs} ms |"));
        s.AppendLine(Invariant($"| duration | {r.DurationSeconds} s after {r.RampUpSeconds} s ramp-up |"));
        s.AppendLine(Invariant($"| presenters | {r.Presenters} |"));
        s.AppendLine(Invariant($"| seed | {r.Seed} |"));
        s.AppendLine();
        s.AppendLine("## Throughput");
        s.AppendLine();
        s.AppendLine("| | messages/s | samples/s |");
        s.AppendLine("|---|---:|---:|");
        s.AppendLine(Invariant($"| offered | {t.OfferedMessagesPerSecond:N1} | {t.OfferedSamplesPerSecond:N1} |"));
        s.AppendLine(Invariant($"| achieved (over {t.SteadySeconds:N1} s after ramp-up) | {t.AchievedMessagesPerSecond:N1} | {t.AchievedSamplesPerSecond:N1} |"));
        s.AppendLine();
        if (r.Baseline is { } b)
        {
            s.AppendLine(Invariant($"| baseline: do-nothing hub, same phones and rate, same invocation | {b.BaselineAchievedMessagesPerSecond:N1} | {b.BaselineAchievedSamplesPerSecond:N1} |"));
        }

        s.AppendLine();
        s.AppendLine(Invariant($"{t.BatchesAcked:N0} batches ({t.SamplesAcked:N0} samples) acknowledged, {t.SendAttempts:N0} sends."));
        if (r.KinesisRequests is { } requests)
        {
            s.AppendLine(Invariant($"Sent through the Kinesis API in {requests:N0} PutRecords calls ({t.SendAttempts / (double)Math.Max(1, requests):N1} records per call)."));
        }

        if (r.Baseline is { } comparison)
        {
            s.AppendLine();
            s.AppendLine(Invariant($"Achieved / baseline: **{comparison.Ratio:P1}** (target ≥ {BaselineComparison.Target:P0}). Baseline ack p50 {comparison.BaselineAckLatency.P50Ms:N2} ms, p99 {comparison.BaselineAckLatency.P99Ms:N2} ms (send → display p99 / baseline ack p99: {Times(comparison.EndToEndP99ToBaselineAckP99)}); baseline phase {comparison.BaselineOutcome}."));
        }

        s.AppendLine();
        s.AppendLine("## Latency (ms)");
        s.AppendLine();
        s.AppendLine(Invariant($"Batches sent in the steady window ({t.SteadySeconds:N1} s after the {r.RampUpSeconds} s ramp-up); the ramp-up's rows are apart."));
        s.AppendLine();
        s.AppendLine("| | count | p50 | p90 | p99 | max |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|");
        s.AppendLine(Row("ack", r.AckLatency));
        s.AppendLine(Row("send → display", r.EndToEnd));
        if (r.SampleWait is { Count: > 0 } sampleWait)
        {
            s.AppendLine(Row("oldest sample's wait on the phone (before the send)", sampleWait));
        }

        if (r.FrameDelivery is { Count: > 0 } frameDelivery)
        {
            s.AppendLine(Row("frame made → display (part of the above)", frameDelivery));
        }

        if (r.RampUp is { } ramp)
        {
            s.AppendLine(Row("ramp-up: ack", ramp.Ack));
            s.AppendLine(Row("ramp-up: send → display", ramp.EndToEnd));
        }

        if (r.Stages is { Count: > 0 } stages)
        {
            s.AppendLine();
            s.AppendLine("Server stages over the steady window (its /metrics histograms; percentiles within a bucket are interpolated):");
            s.AppendLine();
            s.AppendLine("| stage | per | n | p50 | p99 |");
            s.AppendLine("|---|---|---:|---:|---:|");
            foreach (var stage in stages)
            {
                s.AppendLine(Invariant($"| {stage.Name} | {stage.Per} | {stage.Count:N0} | {stage.P50:N1} ms | {stage.P99:N1} ms |"));
            }
        }

        s.AppendLine();
        s.AppendLine(Invariant($"{r.Frames:N0} frames received, {r.FramesWithApplied:N0} with applied seqs; {r.Standings:N0} standings to phones ({r.StandingsInAcks:N0} of them inside acks, the rest pushed)."));
        s.AppendLine();
        if (r.Cpu is not null || r.Baseline?.BaselineCpu is not null)
        {
            s.AppendLine("## CPU over the steady window");
            s.AppendLine();
            s.AppendLine("| | seconds | server cores | server µs per message | server µs per sample | tool cores | tool µs per message | tool / server |");
            s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            if (r.Baseline?.BaselineCpu is { } baselineCpu)
            {
                s.AppendLine(CpuRow("baseline (do-nothing hub)", baselineCpu));
            }

            if (r.Cpu is { } cpu)
            {
                s.AppendLine(CpuRow(r.Mode, cpu));
            }

            if (r.Baseline is { BaselineCpu: not null } comparisonCpu)
            {
                s.AppendLine();
                s.AppendLine(Invariant($"Server CPU real / baseline: **{Times(comparisonCpu.ServerCpuPerMessageRatio)}** per message, {Times(comparisonCpu.ServerCpuPerSampleRatio)} per sample."));
            }

            s.AppendLine();
        }

        s.AppendLine("## Errors");
        s.AppendLine();
        s.AppendLine(Invariant($"{r.ErrorCount:N0} errors ({r.ErrorRate:P2} of sends; budget {r.MaxErrorRate:P2}), {r.Reconnects:N0} reconnects."));
        if (r.Server is { } server)
        {
            s.AppendLine();
            s.AppendLine(Invariant($"Server while phones sent (from its /metrics): {server.CpuCoresUsed:N2} CPU cores, working set {server.WorkingSetStartMiB:N0} → {server.WorkingSetEndMiB:N0} MiB, peak {server.WorkingSetPeakMiB:N0} MiB{Heap(server)}."));
        }

        if (ClusterLines(r) is { Count: > 0 } cluster)
        {
            s.AppendLine();
            foreach (var line in cluster)
            {
                s.AppendLine("- " + line);
            }
        }

        if (r.IdleBytesPerPhone is { } perPhone)
        {
            s.AppendLine();
            s.AppendLine(Invariant($"Idle: {r.Phones:N0} phones connected, {perPhone / 1024:N1} KB of server working set per phone; managed heap {(r.IdleHeapBytesPerPhone is { } heap ? (heap / 1024).ToString("N1", CultureInfo.InvariantCulture) + " KB" : "not known")} per phone."));
        }
        if (r.Errors.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("| kind | count |");
            s.AppendLine("|---|---:|");
            foreach (var (kind, count) in r.Errors)
            {
                s.AppendLine(Invariant($"| {kind} | {count:N0} |"));
            }
        }

        if (r.Junk is { } junkFlood)
        {
            s.AppendLine();
            s.AppendLine("## Junk flood");
            s.AppendLine();
            s.AppendLine(Invariant($"{junkFlood.Sent:N0} anonymous junk requests beside the phones over {junkFlood.Seconds:N0} s ({junkFlood.SentPerSecond:N1}/s of {junkFlood.RatePerSecond}/s asked; {junkFlood.Skipped:N0} due but skipped while {junkFlood.MaxInFlight} were in flight); **{junkFlood.Unexpected:N0}** answered other than the expected refusal."));
            s.AppendLine();
            s.AppendLine("| shape | request | sent | expected | answers | unexpected |");
            s.AppendLine("|---|---|---:|---|---|---:|");
            foreach (var shape in junkFlood.Shapes)
            {
                s.AppendLine(Invariant($"| {shape.Shape} | {shape.Request} | {shape.Sent:N0} | {shape.Expected} | {JunkAnswers(shape.Answers)} | {shape.Unexpected:N0} |"));
            }
        }

        if (r.Series.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("## Server over time");
            s.AppendLine();
            s.AppendLine("From its /metrics while phones sent; CPU over the time since the row before; heap as the last GC left it; collections since the server started.");
            s.AppendLine();
            s.AppendLine("| time | CPU cores | working set MiB | managed heap MiB | gen0 / gen1 / gen2 GCs | thread-pool threads |");
            s.AppendLine("|---:|---:|---:|---:|---:|---:|");
            foreach (var p in r.Series)
            {
                s.AppendLine(Invariant($"| {TimeSpan.FromSeconds(Math.Round(p.ElapsedSeconds)):g} | {Figure(p.CpuCores, "N2")} | {p.WorkingSetMiB:N0} | {Figure(p.ManagedHeapMiB, "N1")} | {Figure(p.Gen0Collections, "N0")} / {Figure(p.Gen1Collections, "N0")} / {Figure(p.Gen2Collections, "N0")} | {Figure(p.ThreadPoolThreads, "N0")} |"));
            }
        }

        s.AppendLine();
        s.AppendLine("## Verification");
        s.AppendLine();
        if (!v.Performed)
        {
            s.AppendLine("Not performed.");
        }
        else
        {
            s.AppendLine(Invariant($"{(v.Passed ? "Passed" : "**Failed**")}: {v.PlayersMatched} of {r.Phones} players match. Lost {v.LostPoints:N0} points ({v.PlayersLost} players), doubled {v.DoubledPoints:N0} points ({v.PlayersDoubled} players), {v.PlayersMissing} missing from the scoreboard. Expected total {v.ExpectedTotal:N0}, scoreboard total {v.ActualTotal:N0}; settled {v.SettledAfterMs:N0} ms after the round stopped."));
            var mismatched = r.Players.Where(p => !p.Matches).ToList();
            if (mismatched.Count > 0)
            {
                s.AppendLine();
                s.AppendLine("| player | nickname | batches acked | last acked seq | expected | uncertain | scoreboard |");
                s.AppendLine("|---|---|---:|---:|---:|---:|---:|");
                foreach (var p in mismatched)
                {
                    s.AppendLine(Invariant($"| {p.PlayerId} | {p.Nickname} | {p.BatchesAcked:N0} | {p.LastAckedSeq} | {p.ExpectedScore:N0} | {p.UncertainPoints:N0} | {(p.ActualScore is { } a ? a.ToString("N0", CultureInfo.InvariantCulture) : "—")} |"));
                }
            }
        }

        if (r.Failures.Count > 0 || r.Notes.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("## Findings");
            s.AppendLine();
            foreach (var failure in r.Failures)
            {
                s.AppendLine("- **fail:** " + failure);
            }

            foreach (var note in r.Notes)
            {
                s.AppendLine("- " + note);
            }
        }

        return s.ToString();
    }

    private static double SamplesPerBatch(LoadReport r) =>
        r.Throughput.BatchesAcked == 0 ? 0 : (double)r.Throughput.SamplesAcked / r.Throughput.BatchesAcked;

    private static string Latency(string name, LatencySummary l) =>
        Invariant($"{name,-11} p50 {l.P50Ms,8:N2} ms  p90 {l.P90Ms,8:N2} ms  p99 {l.P99Ms,8:N2} ms  max {l.MaxMs,8:N2} ms  (n={l.Count:N0})");

    private static string Cpu(string name, SteadyCpu c) =>
        Invariant($"{name,-9} server {Figure(c.ServerCores, "N2")} cores: {Figure(c.ServerMicrosecondsPerMessage, "N1")} µs per message, {Figure(c.ServerMicrosecondsPerSample, "N2")} µs per sample; tool {c.ToolCores:N2} cores: {Figure(c.ToolMicrosecondsPerMessage, "N1")} µs per message; tool / server {Figure(c.ToolToServer, "N2")}   (over {c.Seconds:N1} s)");

    private static string CpuRow(string name, SteadyCpu c) =>
        Invariant($"| {name} | {c.Seconds:N1} | {Figure(c.ServerCores, "N2")} | {Figure(c.ServerMicrosecondsPerMessage, "N1")} | {Figure(c.ServerMicrosecondsPerSample, "N2")} | {c.ToolCores:N2} | {Figure(c.ToolMicrosecondsPerMessage, "N1")} | {Figure(c.ToolToServer, "N2")} |");

    private static string Heap(ServerResources server) =>
        server is { ManagedHeapStartMiB: { } start, ManagedHeapEndMiB: { } end } ? Invariant($"; managed heap {start:N0} → {end:N0} MiB") : "";

    private static string Times(double? ratio) => ratio is { } x ? Invariant($"{x:N2}×") : "—";

    private static string Figure(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    private static string Row(string name, LatencySummary l) =>
        Invariant($"| {name} | {l.Count:N0} | {l.P50Ms:N2} | {l.P90Ms:N2} | {l.P99Ms:N2} | {l.MaxMs:N2} |");

    private static string JunkAnswers(IReadOnlyDictionary<string, long> answers) =>
        answers.Count == 0 ? "—" : string.Join(", ", answers.Select(a => Invariant($"{a.Key} × {a.Value:N0}")));

    private static string Errors(IReadOnlyDictionary<string, long> errors) =>
        errors.Count == 0 ? "" : ": " + string.Join(", ", errors.Select(e => Invariant($"{e.Key} {e.Value:N0}")));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Each node's resources and Redis' rates, one line each; empty for a single node without --redis.</summary>
    private static List<string> ClusterLines(LoadReport r)
    {
        var lines = new List<string>();
        if (r.Cluster is { } cluster)
        {
            foreach (var node in cluster.Nodes)
            {
                lines.Add(node.Resources is { } n
                    ? Invariant($"node {node.Url}: {n.CpuCoresUsed:N2} CPU cores; working set {n.WorkingSetStartMiB:N0} → {n.WorkingSetEndMiB:N0} MiB (peak {n.WorkingSetPeakMiB:N0} MiB)")
                    : $"node {node.Url}: not read (no /metrics)");
            }

            lines.Add(Invariant($"all {cluster.Nodes.Count} nodes: {Figure(cluster.TotalCores, "N2")} CPU cores while sending, {Figure(cluster.MicrosecondsPerSample, "N2")} µs per sample at the achieved rate"));
        }

        if (r.Redis is { } redis)
        {
            lines.Add(Invariant($"redis {redis.Address}: {redis.CommandsPerSecond:N0} commands/s, {redis.PublishesPerSecond:N0} PUBLISH/s (the backplane), in {redis.NetInputKiBPerSecond:N0} KiB/s, out {redis.NetOutputKiBPerSecond:N0} KiB/s (over {redis.Seconds:N1} s)"));
        }

        return lines;
    }
}
