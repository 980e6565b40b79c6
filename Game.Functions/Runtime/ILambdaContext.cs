namespace Game.Functions.Runtime;

/// <summary>What a function knows about its invocation, named as in Amazon.Lambda.Core.</summary>
public interface ILambdaContext
{
    string AwsRequestId { get; }

    string FunctionName { get; }

    /// <summary>Time left before the invocation's timeout cancels it.</summary>
    TimeSpan RemainingTime { get; }

    ILambdaLogger Logger { get; }

    /// <summary>Cancelled when the invocation times out or the host stops (Lambda has no such token; a port ignores it).</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>
    /// The function's environment variables (Lambda's <c>Environment.Variables</c>). Functions here share one
    /// process, so they are read here rather than from the process environment; a port reads
    /// <c>System.Environment.GetEnvironmentVariable</c> instead.
    /// </summary>
    IReadOnlyDictionary<string, string> EnvironmentVariables => NoVariables.Instance;
}

/// <summary>The empty environment of a context that has none.</summary>
internal static class NoVariables
{
    public static readonly IReadOnlyDictionary<string, string> Instance = new Dictionary<string, string>();
}

/// <summary>The function's log, collected per invocation for the REPORT line and <c>X-Amz-Log-Type: Tail</c>.</summary>
public interface ILambdaLogger
{
    void LogLine(string message);
}

/// <summary>
/// A function with a Kinesis event source. Construction (through DI) is the function's init code:
/// it runs once per activation and is reported as the cold start's Init Duration.
/// </summary>
public interface IKinesisFunction
{
    /// <summary>Handles one ordered batch of one shard. Throwing fails the whole batch; answering failures fails from the first of them.</summary>
    Task<StreamsEventResponse> FunctionHandler(KinesisEvent kinesisEvent, ILambdaContext context);
}

/// <summary>
/// A function invoked directly (Lambda's Invoke API, RequestResponse or Event) with a JSON payload; it answers
/// JSON. Construction is its init, as for <see cref="IKinesisFunction"/>.
/// </summary>
public interface IJsonFunction
{
    Task<System.Text.Json.Nodes.JsonNode?> FunctionHandler(System.Text.Json.JsonElement input, ILambdaContext context);
}
