using System.Text;
using Game.Functions.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Game.Functions.Runtime;

/// <summary>
/// Runs one function for one shard, like a Lambda execution environment: the function is constructed once
/// per activation (its init, reported as Init Duration on the first invocation), then invoked warm, one batch
/// at a time, each under the function's timeout, each ending with one REPORT log line.
/// </summary>
public sealed partial class FunctionShardGrain(
    IServiceProvider services,
    FunctionCatalog catalog,
    FunctionMetrics metrics,
    TimeProvider time,
    ILogger<FunctionShardGrain> logger) : Grain, IFunctionShardGrain
{
    private FunctionRegistration _registration = null!;
    private IKinesisFunction _function = null!;
    private TimeSpan? _pendingInitDuration;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var name = this.GetPrimaryKeyString().Split('/')[0];
        if (!catalog.TryGet(name, out _registration))
        {
            throw new InvalidOperationException($"No function named '{name}' is registered.");
        }

        var started = time.GetTimestamp();
        _function = (IKinesisFunction)ActivatorUtilities.CreateInstance(services, _registration.Implementation);
        _pendingInitDuration = time.GetElapsedTime(started);
        return Task.CompletedTask;
    }

    public async Task<InvocationResult> Invoke(ShardBatch batch)
    {
        var requestId = Guid.NewGuid().ToString();
        using var timeout = new CancellationTokenSource(_registration.Timeout, time);
        var context = new InvocationContext(requestId, _registration.Name, time, time.GetUtcNow() + _registration.Timeout, timeout.Token);
        var started = time.GetTimestamp();
        var tags = new KeyValuePair<string, object?>("function", _registration.Name);
        InvocationResult result;
        using var execution = metrics.Start();
        try
        {
            var response = await _function.FunctionHandler(ToEvent(batch), context).WaitAsync(timeout.Token);
            var failed = FirstFailure(batch, response);
            result = new InvocationResult { RequestId = requestId, Succeeded = failed is null, FirstFailedSequenceNumber = failed };
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            result = new InvocationResult { RequestId = requestId, Error = $"Task timed out after {_registration.Timeout.TotalSeconds:0.00} seconds" };
        }
        catch (Exception ex)
        {
            result = new InvocationResult { RequestId = requestId, Error = $"{ex.GetType().Name}: {ex.Message}" };
        }

        var duration = time.GetElapsedTime(started);
        metrics.Invocations.Add(1, tags);
        metrics.InvokedEventCount.Add(batch.Records.Count, tags);
        metrics.Duration.Record(duration.TotalMilliseconds, tags);
        if (!result.Succeeded)
        {
            metrics.Errors.Add(1, tags);
            metrics.FailedInvokeEventCount.Add(batch.Records.Count, tags);
        }

        var init = _pendingInitDuration;
        _pendingInitDuration = null;
        LogReport(logger, requestId, duration.TotalMilliseconds, Math.Ceiling(duration.TotalMilliseconds),
            init is { } d ? $"\tInit Duration: {d.TotalMilliseconds:0.00} ms" : "");
        return result with { Duration = duration };
    }

    /// <summary>
    /// The lowest reported failure; per Lambda, an identifier that names no record of the batch fails the whole
    /// batch (answered as its first record).
    /// </summary>
    private static string? FirstFailure(ShardBatch batch, StreamsEventResponse? response)
    {
        if (response is null || response.BatchItemFailures.Count == 0)
        {
            return null;
        }

        var failed = response.BatchItemFailures.Select(f => f.ItemIdentifier).ToHashSet(StringComparer.Ordinal);
        foreach (var record in batch.Records)
        {
            if (failed.Contains(record.SequenceNumber))
            {
                return record.SequenceNumber;
            }
        }

        return batch.Records[0].SequenceNumber;
    }

    private static KinesisEvent ToEvent(ShardBatch batch)
    {
        var sourceArn = $"arn:aws:kinesis:local:000000000000:stream/{batch.StreamName}";
        return new KinesisEvent
        {
            Records = batch.Records.Select(r => new KinesisEvent.KinesisEventRecord
            {
                EventId = $"{batch.ShardId}:{r.SequenceNumber}",
                EventSourceArn = sourceArn,
                AwsRegion = "local",
                Kinesis = new KinesisEvent.Record
                {
                    PartitionKey = r.PartitionKey,
                    SequenceNumber = r.SequenceNumber,
                    Data = r.Data,
                    ApproximateArrivalTimestamp = r.ArrivalTime,
                },
            }).ToList(),
        };
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

        public string Log => _log.ToString();

        public void LogLine(string message) => _log.AppendLine(message);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "REPORT RequestId: {RequestId}\tDuration: {Duration:0.00} ms\tBilled Duration: {Billed} ms{Init}")]
    private static partial void LogReport(ILogger logger, string requestId, double duration, double billed, string init);
}
