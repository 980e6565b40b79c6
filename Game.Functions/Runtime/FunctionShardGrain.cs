using Game.Functions.Contracts;
using Microsoft.Extensions.Logging;

namespace Game.Functions.Runtime;

/// <summary>
/// Runs one function for one shard lane (key: <c>{function}/{shardId}/{lane}</c>) in its own
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
    private IKinesisFunction _function = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _environment = new FunctionEnvironment(this.GetPrimaryKeyString().Split('/')[0], services, catalog, metrics, time, logger);
        _function = _environment.Function as IKinesisFunction
            ?? throw new InvalidOperationException($"Function '{_environment.Registration.Name}' does not handle Kinesis events.");
        return Task.CompletedTask;
    }

    public async Task<InvocationResult> Invoke(ShardBatch batch)
    {
        var tags = new KeyValuePair<string, object?>("function", _environment.Registration.Name);
        var invocation = await _environment.RunAsync(context => _function.FunctionHandler(KinesisEvents.From(batch), context));
        metrics.InvokedEventCount.Add(batch.Records.Count, tags);
        var failed = invocation.Failed ? null : FirstFailure(batch, invocation.Response);
        if (invocation.Failed || failed is not null)
        {
            metrics.FailedInvokeEventCount.Add(batch.Records.Count, tags);
            if (!invocation.Failed)
            {
                metrics.Errors.Add(1, tags);
            }
        }

        return new InvocationResult
        {
            RequestId = invocation.RequestId,
            Succeeded = !invocation.Failed && failed is null,
            FirstFailedSequenceNumber = failed,
            Error = invocation.Failed ? invocation.ErrorMessage : null,
            Duration = invocation.Duration,
        };
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
}
