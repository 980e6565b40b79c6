using System.Globalization;
using System.Text;
using Game.Functions.Runtime.Code;
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
/// <remarks>
/// An environment runs one invocation at a time (its grain is not reentrant). When the function's configuration
/// or its deployed code changed, the next invocation gets a fresh environment, as in Lambda: deployed code is loaded
/// into a new collectible context and constructed again (Init Duration), and the previous code's context, whose last
/// invocation has finished by then, is unloaded.
/// </remarks>
public sealed partial class FunctionEnvironment : IDisposable
{
    private readonly IServiceProvider _services;
    private readonly FunctionMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IFunctionLogSink? _log;
    private readonly IFunctionSettingsSource? _settings;
    private readonly IFunctionCodeSource? _code;
    private long _settingsRevision;
    private DeployedCode? _deployed;
    private LoadedFunction? _loaded;
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
        _code = services.GetService<IFunctionCodeSource>();
    }

    public FunctionRegistration Registration { get; }

    /// <summary>
    /// The function's instance, kept warm for the environment's life; a new one (a cold start) once the function's
    /// configuration or code changed. Read it inside the handler given to <see cref="RunAsync{T}"/>.
    /// </summary>
    public object Function { get; private set; } = null!;

    /// <summary>The deployed code this environment runs now, or null for the class compiled into the server.</summary>
    public LoadedFunction? Code => _loaded;

    /// <summary>The environment's init: constructs the function (its deployed code's class, if it has some). Call once, at activation.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        _settingsRevision = Settings().Revision;
        await InitAsync(_code?.Current(Registration.Name), cancellationToken);
    }

    /// <summary>Unloads the deployed code's context (the grain deactivates).</summary>
    public void Dispose()
    {
        Function = null!;
        Interlocked.Exchange(ref _loaded, null)?.Dispose();
    }

    /// <summary>Runs one invocation. Exceptions and the timeout become the invocation's error, as in Lambda.</summary>
    public async Task<Invocation<T>> RunAsync<T>(Func<ILambdaContext, Task<T>> handler)
    {
        var settings = Settings();
        var deployed = _code?.Current(Registration.Name);
        if (settings.Revision != _settingsRevision || deployed != _deployed || Function is null)
        {
            // Lambda gives invocations after a configuration or code change a fresh environment: init runs again.
            _settingsRevision = settings.Revision;
            await InitAsync(deployed, CancellationToken.None);
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

    /// <summary>
    /// Constructs the function (its init code: for deployed code, loading it too) and keeps the time it took for the
    /// next REPORT's Init Duration. The code it replaces is unloaded only once the new one stands.
    /// </summary>
    private async Task InitAsync(DeployedCode? deployed, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        LoadedFunction? loaded = null;
        object function;
        try
        {
            if (deployed is not null)
            {
                var zip = await _code!.ReadAsync(deployed, cancellationToken);
                loaded = FunctionPackage.Load(zip, deployed.Handler, contract: null, $"{Registration.Name}@{deployed.CodeSha256}");
            }

            function = ActivatorUtilities.CreateInstance(_services, loaded?.Implementation ?? Registration.Implementation);
        }
        catch
        {
            loaded?.Dispose();
            throw;
        }

        _pendingInitDuration = _time.GetElapsedTime(started);
        var replaced = _loaded;
        (Function, _loaded, _deployed) = (function, loaded, deployed);
        if (replaced is not null)
        {
            LogUnloading(_logger, Registration.Name, replaced.Handler);
            replaced.Dispose();
        }
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Function {Function}: new code in a fresh environment; unloading the previous code ({Handler})")]
    private static partial void LogUnloading(ILogger logger, string function, string handler);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Report}")]
    private static partial void LogReport(ILogger logger, string report);
}
