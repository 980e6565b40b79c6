using System.ComponentModel.DataAnnotations;

namespace Game.Server.Functions.AsyncInvocations;

/// <summary>How this node runs queued Event invocations (<c>AsyncInvocations</c>). The per-function settings (retries, event age) are PutFunctionEventInvokeConfig's.</summary>
public sealed class AsyncInvocationOptions
{
    public const string Section = "AsyncInvocations";

    /// <summary>
    /// Seconds before the first retry of a failed event; each later retry waits twice the one before (Lambda: about
    /// 1 minute, then 2). Default 60. Tests set it low so they do not wait minutes.
    /// </summary>
    [Range(0.001, 3600.0)]
    public double RetryDelaySeconds { get; set; } = 60;

    /// <summary>Events this node runs at once, all functions together. Default 16.</summary>
    [Range(1, 1000)]
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>
    /// How often this node looks for events it may run (retries that fell due, events another node accepted, claims
    /// that lapsed), seconds. An event accepted by this node runs at once. Default 1.
    /// </summary>
    [Range(0.01, 60.0)]
    public double PollIntervalSeconds { get; set; } = 1;

    /// <summary>
    /// Seconds a claim lasts beyond the function's timeout: when a node dies while running an event, another node (or
    /// this one, restarted) runs it again after its timeout plus this. Default 30.
    /// </summary>
    [Range(1.0, 3600.0)]
    public double ClaimGraceSeconds { get; set; } = 30;

    /// <summary>Seconds a throttled event (its function at its reserved concurrency on this node) waits before it is tried again. Default 1.</summary>
    [Range(0.01, 300.0)]
    public double ThrottleRetrySeconds { get; set; } = 1;

    /// <summary>The wait before retry <paramref name="retry"/> (1 for the first): <see cref="RetryDelaySeconds"/> doubled for each retry before it.</summary>
    public TimeSpan RetryDelay(int retry) => TimeSpan.FromSeconds(RetryDelaySeconds * Math.Pow(2, Math.Max(0, retry - 1)));
}
