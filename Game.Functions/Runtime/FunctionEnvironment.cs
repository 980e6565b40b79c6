using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Game.Functions.Runtime;

/// <summary>How one invocation ended, with its log (START … END, REPORT) as Lambda writes it.</summary>
public sealed record Invocation<T>(string RequestId, T? Response, string? ErrorType, string? ErrorMessage, TimeSpan Duration, string Log)
{
    public bool Failed => ErrorType is not null;
}

/// <summary>
/// What a Lambda execution environment is to a function: the function is constructed once (its init code, whose
/// time is reported as Init Duration on the first invocation), then each invocation runs warm, under the
/// function's timeout, counted in the metrics and closed by one REPORT log line.
/// </summary>
public sealed partial class FunctionEnvironment
{
    private readonly IServiceProvider _services;
    private readonly FunctionMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IFunctionLogSink? _log;
    private readonly IFunctionSettingsSource? _settings;
    private long _settingsRevision;
    private TimeSpan? _pendingInitDuration;

    public FunctionEnvironment(string functionName, IServiceProvider services, FunctionCatalog catalog, FunctionMetrics metrics, TimeProvider time, ILogger logger)
    {
        if (!catalog.TryGet(functionName, out var registration))
        {
            throw new InvalidOperationException($"No function named '{functionName}' is registered.");
        }

        Registration = registration;
        _services = services;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _log = services.GetService<IFunctionLogSink>();
        _settings = services.GetService<IFunctionSettingsSource>();
        _settingsRevision = Settings().Revision;
        Function = Init();
    }

    public FunctionRegistration Registration { get; }

    /// <summary>
    /// The function's instance, kept warm for the environment's life; a new one (a cold start) once the function's
    /// configuration changed. Read it inside the handler given to <see cref="RunAsync{T}"/>.
    /// </summary>
    public object Function { get; private set; }

    /// <summary>Runs one invocation. Exceptions and the timeout become the invocation's error, as in Lambda.</summary>
    public async Task<Invocation<T>> RunAsync<T>(Func<ILambdaContext, Task<T>> handler)
    {
        var settings = Settings();
        if (settings.Revision != _settingsRevision)
        {
            // Lambda gives invocations after a configuration change a fresh environment: init runs again.
            _settingsRevision = settings.Revision;
            Function = Init();
        }

        var requestId = Guid.NewGuid().ToString();
        var timeoutAfter = settings.Timeout;
        using var timeout = new CancellationTokenSource(timeoutAfter, _time);
        var context = new InvocationContext(requestId, Registration.Name, _time, _time.GetUtcNow() + timeoutAfter, timeout.Token, settings.Environment);
        context.Append($"START RequestId: {requestId} Version: $LATEST");
        var tags = new KeyValuePair<string, object?>("function", Registration.Name);
        var started = _time.GetTimestamp();
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        T? response = default;
        string? errorType = null, errorMessage = null;
        using (_metrics.Start())
        {
            try
            {
                response = await handler(context).WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                (errorType, errorMessage) = ("Sandbox.Timedout", $"Task timed out after {timeoutAfter.TotalSeconds:0.00} seconds");
            }
            catch (Exception ex)
            {
                (errorType, errorMessage) = (ex.GetType().Name, ex.Message);
            }
        }

        var duration = _time.GetElapsedTime(started);
        var maxMemoryUsed = MaxMemoryUsedMegabytes(GC.GetTotalAllocatedBytes() - allocatedBefore);
        _metrics.Invocations.Add(1, tags);
        _metrics.Duration.Record(duration.TotalMilliseconds, tags);
        if (errorType is not null)
        {
            _metrics.Errors.Add(1, tags);
            context.Append($"{errorType}: {errorMessage}");
        }

        var init = _pendingInitDuration;
        _pendingInitDuration = null;
        var report = Report(requestId, duration, settings.MemorySize, maxMemoryUsed, init);
        context.Append($"END RequestId: {requestId}");
        context.Append(report);
        // The REPORT line belongs to the function's log; on the console it would be one line per batch (hundreds a
        // round). Debug keeps it reachable for whoever raises Game.Functions.Runtime's level.
        LogReport(_logger, report);
        _log?.Write(Registration.Name, context.Log);
        return new Invocation<T>(requestId, response, errorType, errorMessage, duration, context.Log);
    }

    /// <summary>
    /// Lambda's REPORT line, field for field: <c>REPORT RequestId: … Duration: 12.34 ms Billed Duration: 13 ms
    /// Memory Size: 128 MB Max Memory Used: 1 MB</c>, with <c>Init Duration: … ms</c> after a cold start; tabs between
    /// fields. Billed Duration is the duration rounded up to the millisecond, as Lambda bills today.
    /// </summary>
    public static string Report(string requestId, TimeSpan duration, int memorySize, long maxMemoryUsed, TimeSpan? initDuration) =>
        string.Create(CultureInfo.InvariantCulture, $"REPORT RequestId: {requestId}\tDuration: {duration.TotalMilliseconds:0.00} ms\tBilled Duration: {Math.Ceiling(duration.TotalMilliseconds):0} ms\tMemory Size: {memorySize} MB\tMax Memory Used: {maxMemoryUsed} MB")
        + (initDuration is { } init ? string.Create(CultureInfo.InvariantCulture, $"\tInit Duration: {init.TotalMilliseconds:0.00} ms") : "");

    /// <summary>
    /// Max Memory Used, MB rounded up (at least 1): the managed bytes the process allocated while the invocation ran.
    /// Functions share one process and one heap, so a function's resident memory cannot be told apart; what it
    /// allocates can, except that invocations running at the same moment count each other's allocations too, so
    /// the figure is an upper bound of the invocation's own (docs/functions.md).
    /// </summary>
    public static long MaxMemoryUsedMegabytes(long allocatedBytes) =>
        Math.Max(1, (allocatedBytes + (1024 * 1024) - 1) / (1024 * 1024));

    private FunctionSettings Settings() => _settings?.Get(Registration.Name) ?? FunctionSettings.Defaults(Registration);

    /// <summary>Constructs the function (its init code) and keeps the time it took for the next REPORT's Init Duration.</summary>
    private object Init()
    {
        var started = _time.GetTimestamp();
        var function = ActivatorUtilities.CreateInstance(_services, Registration.Implementation);
        _pendingInitDuration = _time.GetElapsedTime(started);
        return function;
    }

    private sealed class InvocationContext(string requestId, string functionName, TimeProvider time, DateTimeOffset deadline, CancellationToken token, IReadOnlyDictionary<string, string> environment)
        : ILambdaContext, ILambdaLogger
    {
        private readonly StringBuilder _log = new();

        public string AwsRequestId => requestId;

        public string FunctionName => functionName;

        public TimeSpan RemainingTime => deadline - time.GetUtcNow();

        public ILambdaLogger Logger => this;

        public CancellationToken CancellationToken => token;

        public IReadOnlyDictionary<string, string> EnvironmentVariables => environment;

        public string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        public void LogLine(string message) => Append(message);

        public void Append(string line)
        {
            lock (_log)
            {
                _log.Append(line).Append('\n');
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Report}")]
    private static partial void LogReport(ILogger logger, string report);
}
