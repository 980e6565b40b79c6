using System.Globalization;
using System.Net;

namespace LoadTest.Options;

/// <summary>A command line that the tool cannot run with.</summary>
public sealed class OptionsException(string message) : Exception(message);

/// <summary>
/// Reads the command line into <see cref="LoadOptions"/>. Hand-written rather than the configuration binder's
/// command-line provider, which has no value-less flags (<c>--baseline</c>) and no durations with units.
/// </summary>
public static class LoadOptionsParser
{
    public const string PresenterKeyVariable = "GAME_PRESENTER_KEY";

    public const string AccessKeyIdVariable = "AWS_ACCESS_KEY_ID";

    public const string SecretAccessKeyVariable = "AWS_SECRET_ACCESS_KEY";

    public const string Usage = """
        Usage: loadtest [options]
          --url URL               server (default http://127.0.0.1:5000); give it once per node of a cluster to spread
                                  the phones over the nodes round-robin and report each node's CPU (the first runs the game API)
          --redis HOST:PORT       a cluster's Redis: report its command and PUBLISH (backplane) rates
          --presenter-key KEY     presenter key (default: $GAME_PRESENTER_KEY)
          --phones N              simulated phones (default 50)
          --hz N                  samples per second per phone, 1-100 (default 50)
          --send-ms DURATION      batch interval (default 100ms; a bare number is ms)
          --duration DURATION     full-load time after the ramp-up, e.g. 20s, 2m (default 10s)
          --ramp-up DURATION      phones start spread over this time (default 2s)
          --presenters N          probe displays measuring send-to-display delay (default 1)
          --via hub|kinesis       phones send over their own SignalR connection (default), or through the
                                  Kinesis API as signed PutRecords calls of one shared producer
          --client raw|signalr    with --via hub: each phone a WebSocket speaking the SignalR MessagePack protocol
                                  itself (default; lighter), or the SignalR .NET client's HubConnection
          --stream NAME           with --via kinesis: stream name (default motion)
          --access-key-id KEY     with --via kinesis: default $AWS_ACCESS_KEY_ID, else AKIDGAMELOCAL
          --secret-access-key KEY with --via kinesis: default $AWS_SECRET_ACCESS_KEY, else game-local-secret
          --report DIR            write report.md, report.json and chart.svg into DIR
          --baseline              send to /hubs/baseline: transport ceiling, no verification
          --compare-baseline      run the same load against /hubs/baseline first, then the real run; report the ratio
          --plain                 progress as plain lines, not the live table (always plain when output is redirected)
          --idle                  connect --phones phones, send nothing: server memory per connected phone
          --find-max              raise phones ×1.5 per step (8 steps at most) until a step breaks; report the highest that held
          --target-p99 DURATION   with --find-max: the end-to-end p99 a step must stay under (default 150ms)
          --seed N                seed of the phones' accelerations (default 1)
          --junk-rate N           anonymous junk requests per second beside the phones (default 0, at most 1000):
                                  made-up codes, unsigned Kinesis/Invoke, bad JSON, forged phone tokens; each must be refused
          --junk-source ADDRESS   with --junk-rate: send the junk from this local address, e.g. 127.0.0.2 (another client)
          --series-every DURATION a row of server CPU and memory in the report this often (default 1m)
          --max-error-rate X      fail when errors exceed this share of sends (default 0.01)
          --ack-timeout DURATION  longest wait for one ack, and for resends after sending ends (default 10s)
          --settle-timeout DURATION  wait for the scoreboard to match after the round (default 10s)
        Exit codes: 0 passed, 1 verification failed or errors over budget, 2 bad options, 3 cancelled or aborted.
        """;

    public static bool IsHelp(IReadOnlyList<string> args) => args.Any(a => a is "--help" or "-h" or "-?");

    public static LoadOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var defaults = new LoadOptions();
        var options = defaults with
        {
            PresenterKey = environment(PresenterKeyVariable) ?? "",
            AccessKeyId = environment(AccessKeyIdVariable) ?? defaults.AccessKeyId,
            SecretAccessKey = environment(SecretAccessKeyVariable) ?? defaults.SecretAccessKey,
        };
        for (var i = 0; i < args.Count; i++)
        {
            var eq = args[i].IndexOf('=');
            var name = eq > 0 ? args[i][..eq] : args[i];
            var inline = eq > 0 ? args[i][(eq + 1)..] : null;

            string Value() => inline ?? (i + 1 < args.Count ? args[++i] : throw new OptionsException($"{name} needs a value."));

            options = name switch
            {
                "--url" => Uri.TryCreate(Value(), UriKind.Absolute, out var url)
                    ? options with { Url = options.Urls.Count == 0 ? url : options.Url, Urls = [.. options.Urls, url] }
                    : throw new OptionsException("--url must be an absolute URL."),
                "--redis" => options with { Redis = Value() },
                "--presenter-key" => options with { PresenterKey = Value() },
                "--phones" => options with { Phones = Integer(name, Value()) },
                "--hz" => options with { Hz = Integer(name, Value()) },
                "--send-ms" => options with { SendInterval = Duration(name, Value(), bareUnit: "ms") },
                "--duration" => options with { Duration = Duration(name, Value()) },
                "--ramp-up" => options with { RampUp = Duration(name, Value()) },
                "--presenters" => options with { Presenters = Integer(name, Value()) },
                "--report" => options with { ReportDirectory = Value() },
                "--via" => options with { Via = Value() switch { "hub" => Via.Hub, "kinesis" => Via.Kinesis, var other => throw new OptionsException($"--via must be hub or kinesis, not '{other}'.") } },
                "--client" => options with { Client = Value() switch { "raw" => PhoneClient.Raw, "signalr" => PhoneClient.SignalR, var other => throw new OptionsException($"--client must be raw or signalr, not '{other}'.") } },
                "--stream" => options with { StreamName = Value() },
                "--access-key-id" => options with { AccessKeyId = Value() },
                "--secret-access-key" => options with { SecretAccessKey = Value() },
                "--compare-baseline" => inline is null ? options with { CompareBaseline = true } : throw new OptionsException("--compare-baseline takes no value."),
                "--plain" => inline is null ? options with { Plain = true } : throw new OptionsException("--plain takes no value."),
                "--baseline" => inline is null ? options with { Baseline = true } : throw new OptionsException("--baseline takes no value."),
                "--find-max" => inline is null ? options with { FindMax = true } : throw new OptionsException("--find-max takes no value."),
                "--target-p99" => options with { TargetP99 = Duration(name, Value(), bareUnit: "ms") },
                "--idle" => inline is null ? options with { Idle = true } : throw new OptionsException("--idle takes no value."),
                "--seed" => options with { Seed = Integer(name, Value()) },
                "--junk-rate" => options with { JunkRate = Integer(name, Value()) },
                "--junk-source" => options with { JunkSource = IPAddress.TryParse(Value(), out var source) ? source : throw new OptionsException("--junk-source must be an IP address, e.g. 127.0.0.2.") },
                "--series-every" => options with { SeriesEvery = Duration(name, Value()) },
                "--max-error-rate" => options with { MaxErrorRate = Fraction(name, Value()) },
                "--ack-timeout" => options with { AckTimeout = Duration(name, Value()) },
                "--settle-timeout" => options with { SettleTimeout = Duration(name, Value()) },
                _ => throw new OptionsException($"Unknown option '{args[i]}'."),
            };
        }

        var errors = options.Validate();
        return errors.Count == 0 ? options : throw new OptionsException(string.Join(Environment.NewLine, errors));
    }

    private static int Integer(string name, string value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw new OptionsException($"{name} must be a whole number, not '{value}'.");

    private static double Fraction(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : throw new OptionsException($"{name} must be a number, not '{value}'.");

    private static TimeSpan Duration(string name, string value, string? bareUnit = null) =>
        DurationParser.TryParse(value, out var duration, bareUnit) ? duration : throw new OptionsException($"{name}: '{value}' is not a duration; write a number and a unit (ms, s or m), for example 500ms, 20s, 2m.");
}
