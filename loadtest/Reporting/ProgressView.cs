using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LoadTest.Reporting;

/// <summary>One second of a run as the progress view shows it.</summary>
/// <remarks>
/// <c>Phase</c>: what is running (<c>game</c>, <c>baseline</c>), marked <c>· ramp-up</c> for a second that began in the ramp-up. <c>Planned</c>: ramp-up plus duration, when sending
/// ends. Rates and p99s are of the last second; a p99 is 0 when nothing was measured in it, and the end-to-end
/// one null when the run has no presenters to measure it (the baseline).
/// </remarks>
public sealed record ProgressSnapshot(
    string Phase,
    TimeSpan Elapsed,
    TimeSpan Planned,
    int PhonesConnected,
    int Phones,
    double OfferedSamplesPerSecond,
    double SentSamplesPerSecond,
    double AckedSamplesPerSecond,
    double AckedMessagesPerSecond,
    double? EndToEndP99Ms,
    double AckP99Ms,
    long SamplesAcked,
    long Errors,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    long Reconnects);

/// <summary>
/// Shows a run's progress once a second: a live table redrawn in place on a terminal (Spectre.Console), or a log
/// line per second when the output is redirected (CI, files) or <c>--plain</c> asks for it.
/// </summary>
public abstract partial class ProgressView
{
    /// <summary>True while a live table owns the terminal; the console logger holds back all but errors then.</summary>
    public static bool LiveActive => Volatile.Read(ref s_live) != 0;

    private static int s_live;

    /// <summary>Live on an interactive terminal unless <paramref name="plain"/>; otherwise log lines.</summary>
    public static ProgressView Create(bool plain, ILogger logger) =>
        !plain && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive ? new Live() : new Lines(logger);

    /// <summary>Log lines only, for runs inside tests and for find-max steps driven by code.</summary>
    public static ProgressView Plain(ILogger logger) => new Lines(logger);

    /// <summary>Starts showing one phase; dispose the session when the phase's sending ends.</summary>
    public abstract ProgressSession Begin();

    /// <summary>The table the live view draws: also what a test renders to check the figures.</summary>
    public static IRenderable Render(ProgressSnapshot s)
    {
        var table = new Table().Border(TableBorder.Rounded).HideHeaders().Title($"[bold]loadtest[/] · {Markup.Escape(s.Phase)} · {Seconds(s.Elapsed)} of {Seconds(s.Planned)}");
        table.AddColumn("");
        table.AddColumn(new TableColumn("").RightAligned());
        table.AddRow("phones connected", Invariant($"{s.PhonesConnected:N0} / {s.Phones:N0}"));
        table.AddRow("samples/s offered", Invariant($"{s.OfferedSamplesPerSecond:N0}"));
        table.AddRow("samples/s sent", Invariant($"{s.SentSamplesPerSecond:N0}"));
        table.AddRow("samples/s acknowledged", Invariant($"{s.AckedSamplesPerSecond:N0}  ({s.AckedMessagesPerSecond:N0} msg/s)"));
        table.AddRow("samples acknowledged", Invariant($"{s.SamplesAcked:N0}"));
        table.AddRow("ack p99 (last second)", Invariant($"{s.AckP99Ms:N1} ms"));
        table.AddRow("send → display p99 (last second)", s.EndToEndP99Ms is { } p99 ? Invariant($"{p99:N1} ms") : "—");
        table.AddRow(s.Errors == 0 ? "errors" : "[red]errors[/]", s.Errors == 0 ? "0" : Markup.Escape(Invariant($"{s.Errors:N0}: ") + string.Join(", ", s.ErrorsByKind.OrderByDescending(e => e.Value).Take(3).Select(e => Invariant($"{e.Key} {e.Value:N0}")))));
        table.AddRow("reconnects", Invariant($"{s.Reconnects:N0}"));
        return table;
    }

    private static string Seconds(TimeSpan t) => Invariant($"{t.TotalSeconds:N0} s");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed partial class Lines(ILogger logger) : ProgressView
    {
        public override ProgressSession Begin() => new LineSession(logger);

        private sealed class LineSession(ILogger logger) : ProgressSession
        {
            public override void Report(ProgressSnapshot s) =>
                LogProgress(logger, s.Phase, s.Elapsed.TotalSeconds, s.PhonesConnected, s.Phones, s.SentSamplesPerSecond, s.AckedSamplesPerSecond, s.SamplesAcked, s.EndToEndP99Ms ?? 0, s.Errors, s.Reconnects);

            public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }

        [LoggerMessage(Level = LogLevel.Information, Message = "{Phase} {Elapsed:F0}s: {Connected}/{Phones} phones, {Sent:F0} samples/s sent, {Acked:F0} acknowledged ({Samples} in all), end-to-end p99 {P99Ms:F1} ms this second, {Errors} errors, {Reconnects} reconnects")]
        private static partial void LogProgress(ILogger logger, string phase, double elapsed, int connected, int phones, double sent, double acked, long samples, double p99Ms, long errors, long reconnects);
    }

    private sealed class Live : ProgressView
    {
        public override ProgressSession Begin() => new LiveSession();

        /// <summary>Redraws the latest snapshot four times a second until disposed; the last one stays on screen.</summary>
        private sealed class LiveSession : ProgressSession
        {
            private readonly CancellationTokenSource _stop = new();
            private readonly Task _drawing;
            private ProgressSnapshot? _latest;

            public LiveSession()
            {
                Interlocked.Exchange(ref s_live, 1);
                _drawing = AnsiConsole.Live(new Markup("[grey]connecting…[/]"))
                    .AutoClear(false)
                    .Overflow(VerticalOverflow.Ellipsis)
                    .StartAsync(async context =>
                    {
                        while (!_stop.IsCancellationRequested)
                        {
                            if (Volatile.Read(ref _latest) is { } latest)
                            {
                                context.UpdateTarget(Render(latest));
                            }

                            try
                            {
                                await Task.Delay(250, _stop.Token);
                            }
                            catch (OperationCanceledException)
                            {
                            }
                        }

                        if (Volatile.Read(ref _latest) is { } last)
                        {
                            context.UpdateTarget(Render(last));
                        }
                    });
            }

            public override void Report(ProgressSnapshot snapshot) => Volatile.Write(ref _latest, snapshot);

            public override async ValueTask DisposeAsync()
            {
                await _stop.CancelAsync();
                await _drawing;
                _stop.Dispose();
                Interlocked.Exchange(ref s_live, 0);
            }
        }
    }
}

/// <summary>One phase's progress display.</summary>
public abstract class ProgressSession : IAsyncDisposable
{
    public abstract void Report(ProgressSnapshot snapshot);

    public abstract ValueTask DisposeAsync();
}
