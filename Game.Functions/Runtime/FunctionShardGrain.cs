using Game.Functions.Contracts;
using Microsoft.Extensions.Logging;

namespace Game.Functions.Runtime;

/// <summary>
/// Runs one function for one shard lane (key: <see cref="FunctionShardKey"/>) in its own
/// <see cref="FunctionEnvironment"/>: init once per activation, then warm invocations, one batch at a time, in order.
/// </summary>
public sealed class FunctionShardGrain(
    IServiceProvider services,
    FunctionCatalog catalog,
    FunctionMetrics metrics,
    TimeProvider time,
    ILogger<FunctionShardGrain> logger) : Grain, IFunctionShardGrain
{
    private FunctionEnvironment _environment = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _environment = new FunctionEnvironment(FunctionShardKey.Parse(this.GetPrimaryKeyString()).Function, services, catalog, metrics, time, logger);
        await _environment.InitializeAsync(cancellationToken);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Deployed code's context goes with the environment.
        _environment.Dispose();
        return Task.CompletedTask;
    }

    public async Task<InvocationResult> Invoke(ShardBatch batch)
    {
        // The instance is read inside the handler: a configuration change gives the invocation a new one.
        var invocation = await _environment.RunAsync(context => (_environment.Function as IKinesisFunction
            ?? throw new InvalidOperationException($"Function '{_environment.Registration.Name}' does not handle Kinesis events."))
            .FunctionHandler(KinesisEventFactory.From(batch), context));
        return Complete(batch, invocation, invocation.Response?.BatchItemFailures, state: null);
    }

    public async Task<InvocationResult> InvokeWindow(ShardBatch batch, WindowInput window)
    {
        var windowEvent = KinesisEventFactory.FromWindow(batch, window);
        var invocation = await _environment.RunAsync(context => (_environment.Function as ITumblingWindowFunction
            ?? throw new InvalidOperationException($"Function '{_environment.Registration.Name}' does not handle tumbling windows."))
            .FunctionHandler(windowEvent, context));
        return Complete(batch, invocation, invocation.Response?.BatchItemFailures, invocation.Response?.State);
    }

    private InvocationResult Complete<T>(ShardBatch batch, Invocation<T> invocation, IList<StreamsEventResponse.BatchItemFailure>? failures, IReadOnlyDictionary<string, string>? state)
    {
        // InvokedEventCount and FailedInvokeEventCount are the mapping's to count (only with its MetricsConfig).
        var failed = invocation.Failed ? null : FirstFailure(batch, failures);
        if (!invocation.Failed && failed is not null)
        {
            metrics.Errors.Add(1, new KeyValuePair<string, object?>("function", _environment.Registration.Name));
        }

        return new InvocationResult
        {
            RequestId = invocation.RequestId,
            Succeeded = !invocation.Failed && failed is null,
            FirstFailedSequenceNumber = failed,
            Error = invocation.Failed ? invocation.ErrorMessage : null,
            Duration = invocation.Duration,
            WindowState = invocation.Failed ? null : state ?? new Dictionary<string, string>(),
        };
    }

    /// <summary>
    /// The lowest reported failure; per Lambda, an identifier that names no record of the batch fails the whole
    /// batch (answered as its first record).
    /// </summary>
    private static string? FirstFailure(ShardBatch batch, IList<StreamsEventResponse.BatchItemFailure>? failures)
    {
        if (failures is null || failures.Count == 0 || batch.Records.Count == 0)
        {
            return null;
        }

        var failed = failures.Select(f => f.ItemIdentifier).ToHashSet(StringComparer.Ordinal);
        foreach (var record in batch.Records)
        {
            if (failed.Contains(record.SequenceNumber))
            {
                return record.SequenceNumber;
            }
        }

        return batch.Records[0].SequenceNumber;
    }
}
