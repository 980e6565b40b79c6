namespace Game.Server.Functions.AsyncInvocations;

/// <summary>
/// A function's asynchronous invocation settings (Lambda's FunctionEventInvokeConfig), stored with its configuration
/// in the control plane (<c>FunctionConfiguration.EventInvokeConfig</c>), so every node applies the same. A field
/// left null takes Lambda's default.
/// </summary>
public sealed record EventInvokeConfig
{
    /// <summary>Lambda's defaults: two retries, and events kept for six hours.</summary>
    public const int DefaultMaximumRetryAttempts = 2;

    public const int DefaultMaximumEventAgeInSeconds = 21_600;

    public const int MinMaximumEventAgeInSeconds = 60;

    /// <summary>Retries after the first failed attempt, 0–2; null: 2.</summary>
    public int? MaximumRetryAttempts { get; init; }

    /// <summary>Seconds an event may wait, 60–21,600, before it is given up on; null: 21,600.</summary>
    public int? MaximumEventAgeInSeconds { get; init; }

    /// <summary>Where failed events go: <c>DeadLetters</c> (the store's dead letters), the only one here; null when not set.</summary>
    public string? OnFailureDestination { get; init; }

    public DateTimeOffset LastModified { get; init; }

    /// <summary>The first broken rule, worded as Lambda answers it (ValidationException), or null.</summary>
    public string? Check()
    {
        if (MaximumRetryAttempts is < 0 or > DefaultMaximumRetryAttempts)
        {
            return $"1 validation error detected: Value '{MaximumRetryAttempts}' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value {(MaximumRetryAttempts < 0 ? "greater than or equal to 0" : "less than or equal to 2")}";
        }

        if (MaximumEventAgeInSeconds is < MinMaximumEventAgeInSeconds or > DefaultMaximumEventAgeInSeconds)
        {
            return $"1 validation error detected: Value '{MaximumEventAgeInSeconds}' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value {(MaximumEventAgeInSeconds < MinMaximumEventAgeInSeconds ? "greater than or equal to 60" : "less than or equal to 21600")}";
        }

        return null;
    }
}

/// <summary>What the worker applies to one function's events: its event invoke config with Lambda's defaults filled in.</summary>
/// <param name="MaximumRetryAttempts">Retries after the first attempt.</param>
/// <param name="MaximumEventAge">How long an event may wait before it is given up on.</param>
/// <param name="Timeout">The function's timeout: a claim on an event lasts this plus the grace.</param>
/// <param name="ReservedConcurrentExecutions">At most this many of its events run at once on this node; null: no limit; 0: none run.</param>
public sealed record AsyncFunctionSettings(int MaximumRetryAttempts, TimeSpan MaximumEventAge, TimeSpan Timeout, int? ReservedConcurrentExecutions)
{
    public static readonly AsyncFunctionSettings Default = new(
        EventInvokeConfig.DefaultMaximumRetryAttempts, TimeSpan.FromSeconds(EventInvokeConfig.DefaultMaximumEventAgeInSeconds), TimeSpan.FromSeconds(3), null);
}

/// <summary>Each function's <see cref="AsyncFunctionSettings"/>, as this node last read them.</summary>
public interface IAsyncFunctionSettings
{
    /// <summary>The function's settings, or null when no function has this name (any more).</summary>
    AsyncFunctionSettings? Of(string functionName);
}
