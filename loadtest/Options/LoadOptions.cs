using System.Net;
using Game.Functions.Contracts;
using Game.Functions.Scoring;

namespace LoadTest.Options;

/// <summary>How phones' batches reach the server.</summary>
public enum Via
{
    /// <summary>Each phone on its own SignalR connection (WebSockets, MessagePack), as the phone page sends.</summary>
    Hub,

    /// <summary>Signed <c>PutRecords</c> calls to the server's Kinesis API, from one producer shared by all phones.</summary>
    Kinesis,
}

/// <summary>How each phone speaks to the hub with <see cref="Via.Hub"/>: the same SignalR MessagePack frames either way.</summary>
public enum PhoneClient
{
    /// <summary>A <c>ClientWebSocket</c> speaking the SignalR MessagePack hub protocol itself: less of the tool's CPU per message.</summary>
    Raw,

    /// <summary>The SignalR .NET client's <c>HubConnection</c>, as before.</summary>
    SignalR,
}

/// <summary>What one load run does. Every option documents its default; <see cref="Validate"/> refuses a run that could not be verified.</summary>
public sealed record LoadOptions
{
    /// <summary>The server (the first <c>--url</c>): the game API and, with <see cref="Via.Kinesis"/>, the stream. Default http://127.0.0.1:5000.</summary>
    public Uri Url { get; init; } = new("http://127.0.0.1:5000");

    /// <summary>
    /// Every <c>--url</c> in order. With several (the nodes of a cluster), phones connect round-robin over them and
    /// each one's <c>/metrics</c> is read, so the report shows every node's CPU. Default: just <see cref="Url"/>.
    /// </summary>
    public IReadOnlyList<Uri> Urls { get; init; } = [];

    /// <summary>A cluster's Redis (<c>host:port</c>): its command and PUBLISH rates while phones send. Default: not read.</summary>
    public string? Redis { get; init; }

    /// <summary>Where phone <paramref name="index"/> connects: the URLs in turn.</summary>
    public Uri PhoneUrl(int index) => Urls.Count > 1 ? Urls[index % Urls.Count] : Url;

    /// <summary>Creates, starts and stops the game. Default: the GAME_PRESENTER_KEY environment variable.</summary>
    public string PresenterKey { get; init; } = "";

    /// <summary>Simulated phones, one SignalR connection each. Default 50.</summary>
    public int Phones { get; init; } = 50;

    /// <summary>Motion samples per second per phone. Default 50.</summary>
    public int Hz { get; init; } = 50;

    /// <summary>How often a phone sends a batch. Default 100 ms.</summary>
    public TimeSpan SendInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Full-load sending time, after the ramp-up. Default 10 s.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Phones start sending spread evenly over this time. Default 2 s.</summary>
    public TimeSpan RampUp { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Presenter displays watching with probe frames. Default 1.</summary>
    public int Presenters { get; init; } = 1;

    /// <summary>Where report.md and report.json go. Default: no files.</summary>
    public string? ReportDirectory { get; init; }

    /// <summary>How batches reach the server: the phone hub, or the Kinesis API. Default <see cref="Via.Hub"/>.</summary>
    public Via Via { get; init; } = Via.Hub;

    /// <summary>With <see cref="Via.Hub"/> (and <see cref="Idle"/>): each phone's client. Default <see cref="PhoneClient.Raw"/>.</summary>
    public PhoneClient Client { get; init; } = PhoneClient.Raw;

    /// <summary>With <see cref="Via.Kinesis"/>: the stream's name. Default motion (the server's <c>Ingest:StreamName</c>).</summary>
    public string StreamName { get; init; } = "motion";

    /// <summary>With <see cref="Via.Kinesis"/>: the access key. Default: AWS_ACCESS_KEY_ID, else the server's development key.</summary>
    public string AccessKeyId { get; init; } = "AKIDGAMELOCAL";

    /// <summary>With <see cref="Via.Kinesis"/>: the secret key. Default: AWS_SECRET_ACCESS_KEY, else the server's development secret.</summary>
    public string SecretAccessKey { get; init; } = "game-local-secret";

    /// <summary>
    /// Before the real run, the same phones and rate against the do-nothing hub, in the same invocation; the report
    /// gives the real run's achieved rate as a share of that ceiling. Default off.
    /// </summary>
    public bool CompareBaseline { get; init; }

    /// <summary>Plain progress lines instead of the live table, even on a terminal. Default off (plain when output is redirected).</summary>
    public bool Plain { get; init; }

    /// <summary>Send the same messages to the do-nothing hub: the transport's ceiling, without verification. Default off.</summary>
    public bool Baseline { get; init; }

    /// <summary>
    /// Raise the load step by step (phones × <see cref="FindMaxGrowth"/> per step, from <see cref="Phones"/>) until a step
    /// fails its verification, its error budget, or <see cref="TargetP99"/>; report the highest step that held. Default off.
    /// </summary>
    public bool FindMax { get; init; }

    /// <summary>With <see cref="FindMax"/>: the end-to-end p99 a step must stay under. Default 150 ms.</summary>
    public TimeSpan TargetP99 { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>With <see cref="FindMax"/>: how much each step grows the phones. Default 1.5.</summary>
    public const double FindMaxGrowth = 1.5;

    /// <summary>With <see cref="FindMax"/>: steps at most, so the search ends by itself. Default 8.</summary>
    public const int FindMaxSteps = 8;

    /// <summary>Connect the phones, send nothing, and report the server's memory per connected phone. Default off.</summary>
    public bool Idle { get; init; }

    /// <summary>
    /// Anonymous junk requests per second sent beside the honest phones while they send (<c>loadtest/Junk/</c>): made-up
    /// join codes, unsigned and badly signed Kinesis bodies, malformed and oversize JSON, phone-hub connections without a
    /// valid token, unsigned Invoke calls. Every answer must be the expected refusal. Default 0 (none); at most 1,000.
    /// </summary>
    public int JunkRate { get; init; }

    /// <summary>
    /// With <see cref="JunkRate"/>: the local address the junk is sent from, e.g. 127.0.0.2, so the server's per-client
    /// limits count it as another client than the honest phones, as they would a stranger on the venue's Wi-Fi.
    /// Default: the system's choice (the same address as the phones).
    /// </summary>
    public IPAddress? JunkSource { get; init; }

    /// <summary>
    /// The report's time series of the server's resources (CPU, working set, managed heap, collections, thread-pool
    /// threads) has a row this often while phones send. Default 1 minute.
    /// </summary>
    public TimeSpan SeriesEvery { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Seeds the phones' accelerations, so two runs send the same samples. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The run fails when errors exceed this share of send attempts. Default 0.01 (1 %).</summary>
    public double MaxErrorRate { get; init; } = 0.01;

    /// <summary>How long a phone keeps resending a batch after sending has ended, and how long one call may wait for its ack. Default 10 s.</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the scoreboard may take to reach the expected scores after the round stops. Default 10 s.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The highest <see cref="JunkRate"/> (requests per second): a bounded flood, not a denial of service.</summary>
    public const int MaxJunkRate = 1000;

    /// <summary>The server's longest round (s).</summary>
    public const int MaxRoundSeconds = 3600;

    /// <summary>The round outlasts sending and resends by this much (s), so every acknowledged batch arrived while it ran.</summary>
    public const int RoundSlackSeconds = 5;

    /// <summary>
    /// The round's length: longer than sending plus resends, because the tool stops the round itself once every ack
    /// is in. A round that ended on its own mid-run would make late batches score 0 and the expected scores unknowable.
    /// </summary>
    public int RoundSeconds => Math.Clamp((int)Math.Ceiling((RampUp + Duration + AckTimeout).TotalSeconds) + RoundSlackSeconds, 5, MaxRoundSeconds);

    /// <summary>Samples per batch on average: hz × send interval. A fraction (50 Hz every 50 ms: 2.5) alternates batch sizes.</summary>
    public double SamplesPerBatch => Hz * SendIntervalMs / 1000.0;

    /// <summary>The send interval in whole milliseconds (the parser rounds to them).</summary>
    public long SendIntervalMs => (long)SendInterval.TotalMilliseconds;

    /// <summary>
    /// Samples a phone's sensor has produced <paramref name="sensing"/> after it started: ⌊time · hz⌋, in integer
    /// arithmetic so that batch sizes never drift. A phone sends "everything since its last batch", so a batch that
    /// goes out late (its previous ack came after the send interval) carries more samples, not fewer sends' worth.
    /// </summary>
    public long SamplesCapturedBy(TimeSpan sensing) => sensing <= TimeSpan.Zero ? 0 : sensing.Ticks * Hz / TimeSpan.TicksPerSecond;

    /// <summary>Device time between two samples (ms).</summary>
    public double SampleIntervalMs => 1000.0 / Hz;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Url.IsAbsoluteUri || Url.Scheme is not ("http" or "https"))
        {
            errors.Add("--url must be an absolute http(s) URL.");
        }

        if (!Baseline && string.IsNullOrWhiteSpace(PresenterKey))
        {
            errors.Add("--presenter-key (or GAME_PRESENTER_KEY) is required, except with --baseline.");
        }

        if (Phones is < 1 or > 100_000)
        {
            errors.Add("--phones must be between 1 and 100000.");
        }

        // Faster than the fairness limit would make the server drop samples as TooFrequent: the run could not be verified.
        var maxHz = (int)(1000 / ScoreLedger.MinSampleIntervalMs);
        if (Hz < 1 || Hz > maxHz)
        {
            errors.Add($"--hz must be between 1 and {maxHz} (the server drops samples closer than {ScoreLedger.MinSampleIntervalMs} ms).");
        }

        if (SendInterval < TimeSpan.FromMilliseconds(1))
        {
            errors.Add("--send-ms must be at least 1 ms.");
        }
        else if (SamplesPerBatch < 1 || Math.Ceiling(SamplesPerBatch) > GameLimits.MaxSamplesPerBatch)
        {
            errors.Add($"--hz × --send-ms / 1000 must give 1 to {GameLimits.MaxSamplesPerBatch} samples per batch; it gives {SamplesPerBatch}.");
        }

        if (Duration <= TimeSpan.Zero)
        {
            errors.Add("--duration must be positive.");
        }

        if (RampUp < TimeSpan.Zero)
        {
            errors.Add("--ramp-up must not be negative.");
        }

        if (!Baseline && RampUp + Duration + AckTimeout > TimeSpan.FromSeconds(MaxRoundSeconds - RoundSlackSeconds))
        {
            errors.Add($"--ramp-up + --duration + --ack-timeout must fit in one round: at most {MaxRoundSeconds - RoundSlackSeconds} s.");
        }

        if (Via == Via.Kinesis && (Baseline || Idle))
        {
            errors.Add("--via kinesis cannot go with --baseline or --idle: the baseline hub and idle phones are SignalR connections.");
        }

        if (CompareBaseline && (Baseline || Idle || FindMax))
        {
            errors.Add("--compare-baseline runs a baseline phase before a real run; it cannot go with --baseline, --idle or --find-max.");
        }

        if (JunkRate is < 0 or > MaxJunkRate)
        {
            errors.Add($"--junk-rate must be between 0 and {MaxJunkRate} requests per second.");
        }

        if (JunkRate > 0 && (Baseline || Idle || FindMax || CompareBaseline))
        {
            errors.Add("--junk-rate runs beside a game run; it cannot go with --baseline, --compare-baseline, --idle or --find-max.");
        }

        if (SeriesEvery < TimeSpan.FromSeconds(1))
        {
            errors.Add("--series-every must be at least 1 s.");
        }

        if (Presenters < 0 || Presenters > 1000)
        {
            errors.Add("--presenters must be between 0 and 1000.");
        }

        if (MaxErrorRate is < 0 or > 1)
        {
            errors.Add("--max-error-rate must be between 0 and 1.");
        }

        return errors;
    }
}
