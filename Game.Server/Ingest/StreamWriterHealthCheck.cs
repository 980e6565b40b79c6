using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Game.Server.Ingest;

/// <summary>
/// Unhealthy while the stream's writer cannot write: its last commit failed, or it stopped. Every phone's batch
/// goes through that writer, so a node whose writer fails must leave the load balancer's rotation.
/// </summary>
public sealed class StreamWriterHealthCheck(IngestStream stream) : IHealthCheck
{
    public const string Name = "stream-writer";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(stream.WriterProblem is { } problem ? HealthCheckResult.Unhealthy(problem) : HealthCheckResult.Healthy());
}
