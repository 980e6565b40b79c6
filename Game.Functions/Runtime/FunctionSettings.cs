namespace Game.Functions.Runtime;

/// <summary>A function's configuration as the runtime applies it: Lambda's Timeout, MemorySize and Environment.</summary>
/// <param name="Timeout">How long an invocation may run before it is cancelled and counted as an error.</param>
/// <param name="MemorySize">MB, 128–10,240 (Lambda's range; default 128): reported in REPORT, not enforced.</param>
/// <param name="Environment">The function's environment variables, read through <see cref="ILambdaContext.EnvironmentVariables"/>.</param>
/// <param name="Revision">Changes whenever the configuration does: an environment built for another revision is replaced (a cold start), as Lambda does after UpdateFunctionConfiguration.</param>
public sealed record FunctionSettings(TimeSpan Timeout, int MemorySize, IReadOnlyDictionary<string, string> Environment, long Revision)
{
    /// <summary>Lambda's default memory size, MB.</summary>
    public const int DefaultMemorySize = 128;

    /// <summary>What a function runs with when nobody configured it: its registration's timeout and Lambda's defaults.</summary>
    public static FunctionSettings Defaults(FunctionRegistration registration) =>
        new(registration.Timeout, DefaultMemorySize, new Dictionary<string, string>(), 0);
}

/// <summary>
/// Where the runtime reads each function's current <see cref="FunctionSettings"/> (the host's control plane);
/// read once per invocation, so a change applies to the next invocation without a restart.
/// </summary>
public interface IFunctionSettingsSource
{
    /// <summary>The function's settings now, or null when it has none configured (defaults apply).</summary>
    FunctionSettings? Get(string functionName);
}
