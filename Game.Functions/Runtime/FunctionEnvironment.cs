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
    private readonly FunctionMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IFunctionLogSink? _log;
    private TimeSpan? _pendingInitDuration;

    public FunctionEnvironment(string functionName, IServiceProvider services, FunctionCatalog catalog, FunctionMetrics metrics, TimeProvider time, ILogger logger)
    {
        if (!catalog.TryGet(functionName, out var registration))
        {
            throw new InvalidOperationException($"No function named '{functionName}' is registered.");
        }

        Registration = registration;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _log = services.GetService<IFunctionLogSink>();
        var started = time.GetTimestamp();
        Function = ActivatorUtilities.CreateInstance(services, registration.Implementation);
        _pendingInitDuration = time.GetElapsedTime(started);
    }

    public FunctionRegistration Registration { get; }

    /// <summary>The function's instance, kept warm for the environment's life.</summary>
    public object Function { get; }

    /// <summary>Runs one invocation. Exceptions and the timeout become the invocation's error, as in Lambda.</summary>
    public async Task<Invocation<T>> RunAsync<T>(Func<ILambdaContext, Task<T>> handler)
    {
        var requestId = Guid.NewGuid().ToString();
        var timeoutAfter = Registration.Timeout;
        using var timeout = new CancellationTokenSource(timeoutAfter, _time);
        var context = new InvocationContext(requestId, Registration.Name, _time, _time.GetUtcNow() + timeoutAfter, timeout.Token);
        context.Append($"START RequestId: {requestId} Version: $LATEST");
        var tags = new KeyValuePair<string, object?>("function", Registration.Name);
        var started = _time.GetTimestamp();
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
        _metrics.Invocations.Add(1, tags);
        _metrics.Duration.Record(duration.TotalMilliseconds, tags);
        if (errorType is not null)
        {
            _metrics.Errors.Add(1, tags);
            context.Append($"{errorType}: {errorMessage}");
        }

        var init = _pendingInitDuration is { } d ? $"\tInit Duration: {d.TotalMilliseconds:0.00} ms" : "";
        _pendingInitDuration = null;
        var report = $"REPORT RequestId: {requestId}\tDuration: {duration.TotalMilliseconds:0.00} ms\tBilled Duration: {Math.Ceiling(duration.TotalMilliseconds):0} ms{init}";
        context.Append($"END RequestId: {requestId}");
        context.Append(report);
        // The REPORT line belongs to the function's log; on the console it would be one line per batch (hundreds a
        // round). Debug keeps it reachable for whoever raises Game.Functions.Runtime's level.
        LogReport(_logger, report);
        _log?.Write(Registration.Name, context.Log);
        return new Invocation<T>(requestId, response, errorType, errorMessage, duration, context.Log);
    }

    private sealed class InvocationContext(string requestId, string functionName, TimeProvider time, DateTimeOffset deadline, CancellationToken token)
        : ILambdaContext, ILambdaLogger
    {
        private readonly StringBuilder _log = new();

        public string AwsRequestId => requestId;

        public string FunctionName => functionName;

        public TimeSpan RemainingTime => deadline - time.GetUtcNow();

        public ILambdaLogger Logger => this;

        public CancellationToken CancellationToken => token;

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
