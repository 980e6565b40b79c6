using System.Text.Json;
using System.Text.Json.Nodes;
using Game.Functions.Contracts;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Game.Functions.Runtime;

/// <summary>
/// Direct invocation of a function by name. A JSON function gets the payload as is; a Kinesis function gets it
/// read as Lambda's Kinesis event (as when testing a Lambda function with a sample event) and answers its
/// <see cref="StreamsEventResponse"/>.
/// </summary>
[StatelessWorker]
public sealed class FunctionGrain(
    IServiceProvider services,
    FunctionCatalog catalog,
    FunctionMetrics metrics,
    TimeProvider time,
    ILogger<FunctionGrain> logger) : Grain, IFunctionGrain
{
    private FunctionEnvironment _environment = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _environment = new FunctionEnvironment(this.GetPrimaryKeyString(), services, catalog, metrics, time, logger);
        await _environment.InitializeAsync(cancellationToken);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Deployed code's context goes with the environment.
        _environment.Dispose();
        return Task.CompletedTask;
    }

    public async Task<DirectInvocationResult> Invoke(byte[] payload)
    {
        var invocation = await _environment.RunAsync<JsonNode?>(async context =>
        {
            using var input = JsonDocument.Parse(payload.Length == 0 ? "{}"u8.ToArray() : payload);
            return _environment.Function switch
            {
                IJsonFunction json => await json.FunctionHandler(input.RootElement, context),
                IKinesisFunction kinesis => JsonSerializer.SerializeToNode(await kinesis.FunctionHandler(
                    input.RootElement.Deserialize<KinesisEvent>() ?? new KinesisEvent(), context)),
                _ => throw new InvalidOperationException($"Function '{context.FunctionName}' cannot be invoked directly."),
            };
        });

        return new DirectInvocationResult
        {
            RequestId = invocation.RequestId,
            Payload = invocation.Failed ? [] : JsonSerializer.SerializeToUtf8Bytes(invocation.Response),
            ErrorType = invocation.ErrorType,
            ErrorMessage = invocation.ErrorMessage,
            Log = invocation.Log,
        };
    }
}
