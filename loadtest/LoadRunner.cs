// Longer than our usual 300 lines on purpose: one run is one sequence of phases (create, connect, ramp up, send,
// settle, verify) that reads best top to bottom; metrics, reports and phones live in their own folders.
using Game.Functions.Contracts;
using LoadTest.Api;
using LoadTest.Junk;
using LoadTest.Kinesis;
using LoadTest.Options;
using LoadTest.Phones;
using LoadTest.Presenters;
using LoadTest.Reporting;
using Microsoft.Extensions.Logging;

namespace LoadTest;

/// <summary>
/// One load run: create a game, join and connect the phones, watch with probe presenters, start the round and wait
/// out its countdown, send for the ramp-up and duration, stop the round once every ack is in, wait for the
/// scoreboard to settle, and compare every player's score with the one its acknowledged batches must give.
/// </summary>
public sealed partial class LoadRunner(LoadOptions options, TimeProvider time, ILogger<LoadRunner> logger, ProgressView? progress = null)
{
    private readonly ProgressView _progress = progress ?? ProgressView.Plain(logger);

    private const int ConnectParallelism = 8;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan SettlePollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan CountdownTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private static readonly Verification NotVerified = new(false, false, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        if (options.Idle)
        {
            return await RunIdleAsync(cancellationToken);
        }

        if (options.CompareBaseline)
        {
            return await RunWithBaselineAsync(cancellationToken);
        }

        return await RunOnceAsync(cancellationToken);
    }

    /// <summary>
    /// The same phones, rate and duration against the do-nothing hub first, then the real run, in one invocation,
    /// so both meet the same machine in the same state; the report carries the baseline and the ratio.
    /// </summary>
    private async Task<LoadReport> RunWithBaselineAsync(CancellationToken cancellationToken)
    {
        var baselineOptions = options with { CompareBaseline = false, Baseline = true, Via = Via.Hub, ReportDirectory = null };
        var baseline = await new LoadRunner(baselineOptions, time, logger, _progress).RunAsync(cancellationToken);
        LogBaselineDone(logger, baseline.Throughput.AchievedSamplesPerSecond, baseline.Outcome);
        var real = await new LoadRunner(options with { CompareBaseline = false }, time, logger, _progress).RunAsync(cancellationToken);
        var comparison = BaselineComparison.From(baseline, real);
        var notes = real.Notes.ToList();
        if (baseline.Outcome != Outcome.Passed)
        {
            notes.Add($"The baseline phase ended {baseline.Outcome}: {string.Join("; ", baseline.Failures)}");
        }

        if (comparison.Ratio < BaselineComparison.Target)
        {
            notes.Add(FormattableString.Invariant($"Achieved {comparison.Ratio:P0} of the baseline's rate, under the {BaselineComparison.Target:P0} target."));
        }

        return real with { Baseline = comparison, Notes = notes };
    }

    private async Task<LoadReport> RunOnceAsync(CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var runStart = time.GetTimestamp();
        var metrics = new LoadMetrics();
        var failures = new List<string>();
        var notes = new List<string>();
        var phones = new List<PhoneSession>();
        var presenters = new List<ProbePresenter>();
        using var http = new HttpClient { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(30) };
        var api = new GameApiClient(http, options.PresenterKey);
        string? gameId = null;
        var roundStarted = false;
        long? sendStart = null;
        var aborted = false;
        var verification = NotVerified;
        var serverReadings = new List<ServerReading>();
        ClusterWatch? cluster = null;
        var steadyCpu = new List<CpuReading>();
        var timeline = new List<TimelinePoint>();
        Dictionary<string, long>? actual = null;
        JunkFlood? junk = null;
        await using var producer = options.Via == Via.Kinesis
            ? new KinesisProducer(new KinesisTarget(options.Url, options.StreamName, options.AccessKeyId, options.SecretAccessKey), time)
            : null;
        // Declared before the phones' links, so it stops after they are disposed.
        await using var keepAlive = new RawHubKeepAlive(time);
        try
        {
            if (!options.Baseline)
            {
                gameId = (await api.CreateGameAsync(options.RoundSeconds, cancellationToken)).GameId;
                LogGameCreated(logger, gameId, options.RoundSeconds);
            }

            phones.AddRange(await ConnectPhonesAsync(api, gameId, metrics, producer, keepAlive, cancellationToken));
            LogPhonesConnected(logger, phones.Count, Route);
            var byPlayer = phones.ToDictionary(p => p.PlayerId, StringComparer.Ordinal);
            if (gameId is not null)
            {
                for (var i = 0; i < options.Presenters; i++)
                {
                    presenters.Add(await ProbePresenter.WatchAsync(gameId, byPlayer, options, metrics, time, cancellationToken));
                }

                var round = await api.StartAsync(gameId, cancellationToken);
                roundStarted = true;
                await WaitForRunningAsync(api, gameId, cancellationToken);
                LogRoundRunning(logger, gameId, round.RoundEndsAt);
            }

            sendStart = time.GetTimestamp();
            metrics.BeginWindow(sendStart.Value, options.RampUp, time.TimestampFrequency);
            // Junk beside the honest phones, for as long as they send (it stops before the scores are read).
            junk = options.JunkRate > 0 ? JunkFlood.Start(options.Url, options.JunkRate, options.JunkSource, gameId, options.AccessKeyId, options.Seed, time, logger) : null;
            using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sampler = SampleServerAsync(http, serverReadings, sampling.Token);
            cluster = await WatchClusterAsync(sampling.Token);
            var cpuMeter = ReadSteadyCpuAsync(http, sendStart.Value, steadyCpu, cancellationToken);
            await SendAsync(phones, metrics, sendStart.Value, timeline, cancellationToken);
            await sampling.CancelAsync();
            await sampler;
            await cluster.StopAsync();
            await cpuMeter;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            aborted = true;
            failures.Add("Cancelled before the run finished; the numbers cover what ran.");
        }
        catch (Exception ex)
        {
            // Whatever broke the run (refused join, dead server, HTTP timeout), the round is still stopped and a report written.
            aborted = true;
            failures.Add($"Aborted: {ex.GetType().Name}: {ex.Message}");
            LogAborted(logger, ex);
        }

        var junkReport = junk is null ? null : await junk.StopAsync();
        if (junk is not null)
        {
            await junk.DisposeAsync();
        }

        if (junkReport is { Unexpected: > 0 })
        {
            failures.Add($"{junkReport.Unexpected:N0} of {junkReport.Sent:N0} junk requests were not answered with the expected refusal (see the junk table).");
        }

        // Full load lasts from the ramp-up's end to the send end, or to a cancel: the achieved rate is over that time.
        var sending = sendStart is { } s ? time.GetElapsedTime(s) : TimeSpan.Zero;
        var steady = TimeSpan.FromTicks(Math.Clamp((Min(sending, options.RampUp + options.Duration) - options.RampUp).Ticks, 0, options.Duration.Ticks));

        if (gameId is not null && roundStarted)
        {
            // Even after a cancel: a round left running would go on counting whatever arrives.
            var stoppedAt = time.GetTimestamp();
            if (await TryStopAsync(api, gameId, failures) && !aborted)
            {
                try
                {
                    (actual, var settled) = await SettleAsync(api, gameId, phones, stoppedAt, cancellationToken);
                    verification = Verify(phones, actual, settled, notes);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    aborted = true;
                    failures.Add("Cancelled while waiting for the scoreboard to settle.");
                }
            }
        }

        await Task.WhenAll(presenters.Select(p => p.DisposeAsync().AsTask()).Concat(phones.Select(p => p.DisposeAsync().AsTask())));
        var report = BuildReport(startedAt, time.GetElapsedTime(runStart), steady, gameId, metrics, phones, actual, verification, aborted, failures, notes);
        var cpu = steadyCpu is [var cpuStart, var cpuEnd]
            ? SteadyCpu.From(cpuStart, cpuEnd, report.Throughput.AchievedMessagesPerSecond, report.Throughput.AchievedSamplesPerSecond)
            : null;
        return report with
        {
            Server = ServerReading.Summarize(serverReadings),
            Series = ServerSeries.From(serverReadings, options.SeriesEvery),
            Stages = ServerStages.From(serverReadings, options.RampUp),
            Junk = junkReport,
            Cpu = cpu,
            Timeline = timeline,
            KinesisRequests = producer?.Requests,
            Cluster = cluster?.Resources(report.Throughput.AchievedSamplesPerSecond),
            Redis = cluster?.RedisRates,
        };
    }

    /// <summary>
    /// Memory per connected phone: the server's working set before and after connecting the phones (joined to a game,
    /// each on its own WebSocket, sending nothing), each read after a settle period. The working set includes what the
    /// GC has not yet returned, so this is an upper bound.
    /// </summary>
    private async Task<LoadReport> RunIdleAsync(CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var runStart = time.GetTimestamp();
        var metrics = new LoadMetrics();
        using var http = new HttpClient { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(30) };
        var api = new GameApiClient(http, options.PresenterKey);
        await using var keepAlive = new RawHubKeepAlive(time);
        var gameId = (await api.CreateGameAsync(options.RoundSeconds, cancellationToken)).GameId;
        var settle = TimeSpan.FromSeconds(5);
        await Task.Delay(settle, time, cancellationToken);
        var before = ServerReading.Parse(await http.GetStringAsync("/metrics", cancellationToken), time.GetUtcNow());
        var phones = await ConnectPhonesAsync(api, gameId, metrics, producer: null, keepAlive, cancellationToken);
        LogPhonesConnected(logger, phones.Length, HubPaths.Phone);
        await Task.Delay(settle, time, cancellationToken);
        var after = ServerReading.Parse(await http.GetStringAsync("/metrics", cancellationToken), time.GetUtcNow());
        await Task.WhenAll(phones.Select(p => p.DisposeAsync().AsTask()));

        var failures = new List<string>();
        var notes = new List<string>();
        if (before is null || after is null)
        {
            failures.Add("The server's /metrics has no working set: memory per phone cannot be read.");
        }

        // The heap is as the last collection left it: without one since the first reading, both readings are the same heap.
        var heapIsNews = before?.Collections is { } gcBefore && after?.Collections is { } gcAfter && gcAfter > gcBefore;
        if (before?.ManagedHeapBytes is not null && !heapIsNews)
        {
            notes.Add("The server did not collect garbage while the phones connected: its managed heap per phone is not known.");
        }

        // "Aborted" only skips the sending checks, which mean nothing for phones that were told not to send.
        var report = BuildReport(startedAt, time.GetElapsedTime(runStart), TimeSpan.Zero, gameId, metrics, phones, null, NotVerified, aborted: true, [], []);
        return report with
        {
            Mode = "idle",
            Outcome = failures.Count == 0 ? Outcome.Passed : Outcome.Failed,
            Failures = failures,
            Server = before is not null && after is not null ? ServerReading.Summarize([before, after]) : null,
            IdleBytesPerPhone = before is not null && after is not null ? Math.Round((after.WorkingSetBytes - before.WorkingSetBytes) / phones.Length) : null,
            IdleHeapBytesPerPhone = heapIsNews && before?.ManagedHeapBytes is { } heapBefore && after?.ManagedHeapBytes is { } heapAfter
                ? Math.Round((heapAfter - heapBefore) / phones.Length)
                : null,
            Notes = notes,
        };
    }

    /// <summary>
    /// Reads the server's and the tool's CPU time at the steady window's start and end (ramp-up over, sending over),
    /// so the CPU per message is of the same window as the achieved rate. Fewer than two readings when the run
    /// ends early; the report then has no CPU per message.
    /// </summary>
    private async Task ReadSteadyCpuAsync(HttpClient http, long sendStart, List<CpuReading> readings, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var at in new[] { options.RampUp, options.RampUp + options.Duration })
            {
                var wait = at - time.GetElapsedTime(sendStart);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, cancellationToken);
                }

                readings.Add(await ReadCpuAsync(http, cancellationToken));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<CpuReading> ReadCpuAsync(HttpClient http, CancellationToken cancellationToken)
    {
        // The tool's own first: the server's read is an HTTP call whose CPU would otherwise count to the wrong side.
        var tool = Environment.CpuUsage.TotalTime.TotalSeconds;
        var at = time.GetUtcNow();
        double? server = null;
        try
        {
            server = await ServerCpuSecondsAsync(http, at, cancellationToken);
        }
        catch (HttpRequestException)
        {
            // A server without metrics leaves the report without server CPU, not the run failed.
        }

        return new CpuReading(at, server, tool);
    }

    /// <summary>Reads the server's CPU time and working set from its /metrics once a second while phones send.</summary>
    private async Task SampleServerAsync(HttpClient http, List<ServerReading> readings, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var text = await http.GetStringAsync("/metrics", cancellationToken);
                if (ServerReading.Parse(text, time.GetUtcNow()) is { } reading)
                {
                    readings.Add(reading);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (HttpRequestException)
            {
                // A server without metrics (or briefly unreachable) leaves the report without resources, not the run failed.
                await Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None);
            }
        }

        // One last reading at the end of sending, so the CPU figure covers the whole load.
        try
        {
            if (ServerReading.Parse(await http.GetStringAsync("/metrics", CancellationToken.None), time.GetUtcNow()) is { } last)
            {
                readings.Add(last);
            }
        }
        catch (HttpRequestException)
        {
        }
    }

    /// <summary>Where the phones' batches go, for the log: a hub's path, or the Kinesis stream.</summary>
    private string Route => options.Via == Via.Kinesis ? $"the Kinesis API (stream {options.StreamName})" : HubPath;

    private string HubPath => options.Baseline ? HubPaths.Baseline : HubPaths.Phone;

    /// <summary>Joins every phone to the game (none for the baseline) and opens its link: its own hub connection, or the shared producer.</summary>
    private async Task<PhoneSession[]> ConnectPhonesAsync(
        GameApiClient api, string? gameId, LoadMetrics metrics, KinesisProducer? producer, RawHubKeepAlive keepAlive, CancellationToken cancellationToken)
    {
        var phones = new PhoneSession[options.Phones];
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, options.Phones),
                new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = cancellationToken },
                async (index, ct) =>
                {
                    var nickname = $"lt-{index:D5}";
                    var (game, playerId, token) = gameId is null
                        // The baseline hub checks nothing: made-up ids keep the messages the same size as real ones.
                        ? ("BASELINE", $"p{index:x16}", "")
                        : await JoinAsync(api, gameId, nickname, index, ct);
                    Action<string, Exception?> error = (kind, exception) => PhoneSession.ReportError(metrics, logger, kind, playerId, exception);
                    IMotionLink link = producer is not null
                        ? new KinesisMotionLink(producer, playerId)
                        : options.Client == PhoneClient.Raw
                            ? await RawHubMotionLink.ConnectAsync(options.PhoneUrl(index), HubPath, token, metrics, time, keepAlive, error, ct)
                            : await HubMotionLink.ConnectAsync(options.PhoneUrl(index), HubPath, token, metrics, time, error, ct);
                    phones[index] = new PhoneSession(index, game, playerId, nickname, link, options, metrics, time, logger);
                });
            return phones;
        }
        catch
        {
            await Task.WhenAll(phones.OfType<PhoneSession>().Select(p => p.DisposeAsync().AsTask()));
            throw;
        }
    }

    private static async Task<(string GameId, string PlayerId, string Token)> JoinAsync(GameApiClient api, string gameId, string nickname, int index, CancellationToken cancellationToken)
    {
        var player = await api.JoinAsync(gameId, nickname, $"team-{index % 4}", cancellationToken);
        return (player.GameId, player.PlayerId, player.Token);
    }

    private async Task WaitForRunningAsync(GameApiClient api, string gameId, CancellationToken cancellationToken)
    {
        // Polled, not taken from the start answer's clock: the server's own phase decides what counts.
        var waited = time.GetTimestamp();
        while ((await api.ScoreboardAsync(gameId, cancellationToken)).State != GameApiClient.StateRunning)
        {
            if (time.GetElapsedTime(waited) > CountdownTimeout)
            {
                throw new TimeoutException($"Game {gameId} did not reach the running phase within {CountdownTimeout.TotalSeconds} s.");
            }

            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    private async Task SendAsync(IReadOnlyList<PhoneSession> phones, LoadMetrics metrics, long start, List<TimelinePoint> timeline, CancellationToken cancellationToken)
    {
        var sendEnd = options.RampUp + options.Duration;
        var window = new SendWindow(start, options.RampUp, sendEnd, sendEnd + options.AckTimeout);
        await using var clock = new SendClock(time, options.AckTimeout, cancellationToken);
        var running = Task.WhenAll(phones.Select(p => p.RunAsync(window, options.RampUp * p.Index / phones.Count, clock, cancellationToken)));
        await using var view = _progress.Begin();
        var reported = (Sent: 0L, Samples: 0L, Batches: 0L, At: start);
        // Stops reporting at Ctrl+C: the delay then ends at once, and the loop would spin until the phones finish.
        while (await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken)) != running
            && !cancellationToken.IsCancellationRequested)
        {
            var now = time.GetTimestamp();
            var (sent, samples, batches) = (metrics.SamplesSent, metrics.SamplesAcked, metrics.BatchesAcked);
            var seconds = time.GetElapsedTime(reported.At, now).TotalSeconds;
            var recentP99 = P99Ms(metrics.RecentEndToEnd);
            var snapshot = new ProgressSnapshot(
                Phase: (options.Baseline ? "baseline" : options.Via == Via.Kinesis ? "game via kinesis" : "game")
                    + (metrics.WindowOf(reported.At) == LoadWindow.RampUp ? " · ramp-up" : ""),
                Elapsed: time.GetElapsedTime(start, now),
                Planned: sendEnd,
                PhonesConnected: phones.Count(p => p.Connected),
                Phones: phones.Count,
                OfferedSamplesPerSecond: (double)phones.Count * options.Hz,
                SentSamplesPerSecond: (sent - reported.Sent) / seconds,
                AckedSamplesPerSecond: (samples - reported.Samples) / seconds,
                AckedMessagesPerSecond: (batches - reported.Batches) / seconds,
                EndToEndP99Ms: options.Baseline || options.Presenters == 0 ? null : recentP99,
                AckP99Ms: P99Ms(metrics.RecentAck),
                SamplesAcked: samples,
                Errors: metrics.ErrorCount,
                ErrorsByKind: metrics.Errors,
                Reconnects: metrics.Reconnects);
            metrics.RecentEndToEnd.Reset();
            metrics.RecentAck.Reset();
            timeline.Add(new TimelinePoint(Math.Round(snapshot.Elapsed.TotalSeconds, 1), Math.Round(snapshot.AckedSamplesPerSecond), recentP99, snapshot.Errors));
            view.Report(snapshot);
            reported = (sent, samples, batches, now);
        }

        await running;
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task<bool> TryStopAsync(GameApiClient api, string gameId, List<string> failures)
    {
        using var timeout = new CancellationTokenSource(StopTimeout, time);
        try
        {
            await api.StopAsync(gameId, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            failures.Add($"Could not stop the round of game {gameId}: {ex.Message}");
            return false;
        }
    }

    /// <summary>Reads the scoreboard until every player has the expected score, or the settle timeout passes.</summary>
    private async Task<(Dictionary<string, long> Scores, TimeSpan SettledAfter)> SettleAsync(
        GameApiClient api, string gameId, IReadOnlyList<PhoneSession> phones, long stoppedAt, CancellationToken cancellationToken)
    {
        while (true)
        {
            var board = await api.ScoreboardAsync(gameId, cancellationToken);
            var scores = board.Players.ToDictionary(p => p.PlayerId, p => p.Score, StringComparer.Ordinal);
            var waited = time.GetElapsedTime(stoppedAt);
            if (phones.All(p => Result(p, scores).Matches) || waited >= options.SettleTimeout)
            {
                return (scores, waited);
            }

            await Task.Delay(SettlePollInterval, time, cancellationToken);
        }
    }

    private static Verification Verify(IReadOnlyList<PhoneSession> phones, Dictionary<string, long> scores, TimeSpan settledAfter, List<string> notes)
    {
        var results = phones.Select(p => Result(p, scores)).ToList();
        var strangers = scores.Keys.Except(phones.Select(p => p.PlayerId), StringComparer.Ordinal).Count();
        if (strangers > 0)
        {
            notes.Add($"{strangers} players on the scoreboard were not joined by this run.");
        }

        var uncertain = results.Count(r => r.UncertainPoints > 0);
        if (uncertain > 0)
        {
            notes.Add($"{uncertain} phones ended with a batch never acknowledged; their scores may include it or not.");
        }

        var missing = results.Count(r => r.ActualScore is null);
        var lost = results.Count(r => r.LostPoints > 0);
        var doubled = results.Count(r => r.DoubledPoints > 0);
        return new Verification(
            Performed: true,
            Passed: results.All(r => r.Matches),
            PlayersMatched: results.Count(r => r.Matches),
            PlayersLost: lost,
            PlayersDoubled: doubled,
            PlayersMissing: missing,
            LostPoints: results.Sum(r => r.LostPoints),
            DoubledPoints: results.Sum(r => r.DoubledPoints),
            ExpectedTotal: results.Sum(r => r.ExpectedScore),
            ActualTotal: results.Sum(r => r.ActualScore ?? 0),
            SettledAfterMs: Math.Round(settledAfter.TotalMilliseconds));
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static double P99Ms(HdrHistogram.HistogramBase histogram) => histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(99) / 1000.0;

    private static PlayerResult Result(PhoneSession phone, IReadOnlyDictionary<string, long>? scores) => new(
        phone.PlayerId,
        phone.Nickname,
        phone.BatchesAcked,
        phone.SamplesAcked,
        phone.Expected.LastSeq,
        phone.Expected.Score,
        phone.UncertainPoints,
        scores is not null && scores.TryGetValue(phone.PlayerId, out var score) ? score : null);

    private LoadReport BuildReport(
        DateTimeOffset startedAt, TimeSpan elapsed, TimeSpan steady, string? gameId, LoadMetrics metrics, IReadOnlyList<PhoneSession> phones,
        IReadOnlyDictionary<string, long>? scores, Verification verification, bool aborted, List<string> failures, List<string> notes)
    {
        var players = phones.Select(p => Result(p, scores)).ToList();
        var messagesPerSecond = 1000.0 / options.SendIntervalMs;
        var steadySeconds = steady.TotalSeconds;
        var throughput = new Throughput(
            OfferedMessagesPerSecond: Math.Round(options.Phones * messagesPerSecond, 1),
            OfferedSamplesPerSecond: Math.Round((double)options.Phones * options.Hz, 1),
            AchievedMessagesPerSecond: steadySeconds > 0 ? Math.Round(metrics.SteadyBatchesAcked / steadySeconds, 1) : 0,
            AchievedSamplesPerSecond: steadySeconds > 0 ? Math.Round(metrics.SteadySamplesAcked / steadySeconds, 1) : 0,
            SteadySeconds: Math.Round(steadySeconds, 3),
            SendAttempts: metrics.SendAttempts,
            BatchesAcked: metrics.BatchesAcked,
            SamplesAcked: metrics.SamplesAcked);
        var errorRate = metrics.ErrorCount / (double)Math.Max(1, metrics.SendAttempts);
        var endToEnd = LatencySummary.From(metrics.Steady.EndToEnd);

        if (!aborted)
        {
            if (verification.Performed && !verification.Passed)
            {
                failures.Add($"Scores differ from the acknowledged batches for {players.Count - verification.PlayersMatched} of {players.Count} players.");
            }

            if (errorRate > options.MaxErrorRate)
            {
                failures.Add($"Errors are {errorRate:P2} of sends, over the budget of {options.MaxErrorRate:P2}.");
            }

            if (players.Count(p => p.BatchesAcked == 0) is var silent and > 0)
            {
                failures.Add($"{silent} phones had no batch acknowledged.");
            }

            if (!options.Baseline && options.Presenters > 0 && endToEnd.Count == 0)
            {
                failures.Add($"No send-to-display delay was measured after the ramp-up: {metrics.Frames} frames arrived, {metrics.FramesWithApplied} with applied seqs.");
            }
        }

        return new LoadReport
        {
            Mode = options.Baseline ? "baseline" : "game",
            Via = options.Via.ToString().ToLowerInvariant(),
            Url = options.Url.ToString(),
            GameId = gameId,
            StartedAt = startedAt,
            ElapsedSeconds = Math.Round(elapsed.TotalSeconds, 2),
            Phones = options.Phones,
            Presenters = options.Baseline ? 0 : options.Presenters,
            Hz = options.Hz,
            SendIntervalMs = options.SendInterval.TotalMilliseconds,
            SamplesPerBatch = options.SamplesPerBatch,
            DurationSeconds = options.Duration.TotalSeconds,
            RampUpSeconds = options.RampUp.TotalSeconds,
            Seed = options.Seed,
            Throughput = throughput,
            AckLatency = LatencySummary.From(metrics.Steady.Ack),
            EndToEnd = endToEnd,
            FrameDelivery = LatencySummary.From(metrics.Steady.FrameDelivery),
            SampleWait = LatencySummary.From(metrics.Steady.SampleWait),
            RampUp = WindowLatencySummary.From(metrics.RampUp),
            Frames = metrics.Frames,
            FramesWithApplied = metrics.FramesWithApplied,
            Standings = metrics.Standings,
            StandingsInAcks = metrics.StandingsInAcks,
            Errors = metrics.Errors,
            ErrorCount = metrics.ErrorCount,
            ErrorRate = Math.Round(errorRate, 6),
            MaxErrorRate = options.MaxErrorRate,
            Reconnects = metrics.Reconnects,
            Verification = verification,
            Players = players,
            Outcome = aborted ? Outcome.Aborted : failures.Count > 0 ? Outcome.Failed : Outcome.Passed,
            Failures = failures,
            Notes = notes,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Game {GameId} created with a {RoundSeconds} s round")]
    private static partial void LogGameCreated(ILogger logger, string gameId, int roundSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Phones} phones connected to {Hub}")]
    private static partial void LogPhonesConnected(ILogger logger, int phones, string hub);

    [LoggerMessage(Level = LogLevel.Information, Message = "Game {GameId} is running (round ends at {RoundEndsAt:u}); sending")]
    private static partial void LogRoundRunning(ILogger logger, string gameId, DateTimeOffset? roundEndsAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Baseline phase done: {Achieved:N0} samples/s ({Outcome}); now the real run")]
    private static partial void LogBaselineDone(ILogger logger, double achieved, Outcome outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "The run was aborted")]
    private static partial void LogAborted(ILogger logger, Exception exception);
}
