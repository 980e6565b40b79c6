namespace Game.Functions.Contracts;

/// <summary>How a direct invocation ended: the JSON answer, or Lambda's error payload fields.</summary>
[GenerateSerializer, Immutable]
public sealed record DirectInvocationResult
{
    [Id(0)] public string RequestId { get; init; } = "";

    /// <summary>The function's answer as UTF-8 JSON (<c>null</c> when it answered nothing).</summary>
    [Id(1)] public byte[] Payload { get; init; } = [];

    /// <summary>Set when the function failed: Lambda's <c>errorType</c> (the exception's type, or Sandbox.Timedout).</summary>
    [Id(2)] public string? ErrorType { get; init; }

    [Id(3)] public string? ErrorMessage { get; init; }

    /// <summary>The invocation's log, START to REPORT.</summary>
    [Id(4)] public string Log { get; init; } = "";
}

/// <summary>
/// A pool of warm environments for one function (key: the function name), invoked with a JSON payload the way
/// Lambda's Invoke API does. A stateless worker: Orleans adds activations (environments) under load.
/// </summary>
public interface IFunctionGrain : IGrainWithStringKey
{
    Task<DirectInvocationResult> Invoke(byte[] payload);
}
