using System.Text.RegularExpressions;

namespace Game.Server.Functions.ControlPlane;

/// <summary>Lambda's limits on a function's configuration, answered as Lambda words them (InvalidParameterValueException).</summary>
public static partial class FunctionValidation
{
    public const int MinMemorySize = 128;
    public const int MaxMemorySize = 10_240;

    /// <summary>Lambda's limit on all variables together, keys and values.</summary>
    public const int MaxEnvironmentBytes = 4096;

    /// <summary>The first broken rule, or null.</summary>
    public static string? Check(FunctionConfiguration function)
    {
        if (function.Timeout is < 1 or > 900)
        {
            return $"1 validation error detected: Value '{function.Timeout}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900 and greater than or equal to 1";
        }

        if (function.MemorySize is < MinMemorySize or > MaxMemorySize)
        {
            return $"1 validation error detected: Value '{function.MemorySize}' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to {MaxMemorySize} and greater than or equal to {MinMemorySize}";
        }

        if (function.ReservedConcurrentExecutions is < 0 or > 1000)
        {
            return $"1 validation error detected: Value '{function.ReservedConcurrentExecutions}' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value less than or equal to 1000 and greater than or equal to 0";
        }

        foreach (var key in function.Environment.Keys)
        {
            if (!VariableName().IsMatch(key))
            {
                return $"1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]";
            }

            if (key.StartsWith("AWS_", StringComparison.Ordinal))
            {
                return $"Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {key}";
            }
        }

        if (function.Environment.Sum(e => System.Text.Encoding.UTF8.GetByteCount(e.Key) + System.Text.Encoding.UTF8.GetByteCount(e.Value)) > MaxEnvironmentBytes)
        {
            return "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.";
        }

        return null;
    }

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9_]+$")]
    private static partial Regex VariableName();
}
