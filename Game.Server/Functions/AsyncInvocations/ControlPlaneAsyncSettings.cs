using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Server.Functions.ControlPlane;

namespace Game.Server.Functions.AsyncInvocations;

/// <summary>
/// The worker's view of each function's settings: its event invoke config, timeout and reserved concurrency from the
/// control plane, as this node last read them (so a change made through any node applies within its refresh).
/// </summary>
public sealed class ControlPlaneAsyncSettings(FunctionCatalog catalog, FunctionConfigurations configurations) : IAsyncFunctionSettings
{
    public AsyncFunctionSettings? Of(string functionName)
    {
        if (!catalog.TryGet(functionName, out var registration))
        {
            return null;
        }

        var function = configurations.Function(functionName);
        var config = function?.EventInvokeConfig;
        return new AsyncFunctionSettings(
            config?.MaximumRetryAttempts ?? EventInvokeConfig.DefaultMaximumRetryAttempts,
            TimeSpan.FromSeconds(config?.MaximumEventAgeInSeconds ?? EventInvokeConfig.DefaultMaximumEventAgeInSeconds),
            function is null ? registration.Timeout : TimeSpan.FromSeconds(function.Timeout),
            function?.ReservedConcurrentExecutions);
    }
}

/// <summary>Runs one attempt of an event: the function's invocation, as the Invoke API's RequestResponse would run it.</summary>
public interface IAsyncFunctionInvoker
{
    /// <summary>The invocation's outcome: null when it succeeded, else its error (<c>ErrorType: message</c>).</summary>
    Task<string?> InvokeAsync(string functionName, byte[] payload, CancellationToken cancellationToken);
}

/// <summary>Invokes the function's grain on this silo (a stateless worker), as the Invoke API does.</summary>
public sealed class GrainAsyncFunctionInvoker(IGrainFactory grains) : IAsyncFunctionInvoker
{
    public async Task<string?> InvokeAsync(string functionName, byte[] payload, CancellationToken cancellationToken)
    {
        var result = await grains.GetGrain<IFunctionGrain>(functionName).Invoke(payload).WaitAsync(cancellationToken);
        return result.ErrorType is null ? null : $"{result.ErrorType}: {result.ErrorMessage}";
    }
}
