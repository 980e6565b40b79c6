using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Game.Server.Ingest;

/// <summary>
/// Unhealthy while the stream's writer cannot write: its last commit failed, or it stopped. Every phone's batch
/// goes through that writer, so a node whose writer fails must leave the load balancer's rotation.
/// </summary>
/// <remarks>
/// Only the embedded stream has a writer in this process. With <c>Ingest:Provider=Kinesis</c> the check is healthy
/// and does not open the embedded stream (a refused write shows in the phone's ack instead).
/// </remarks>
public sealed class StreamWriterHealthCheck(IOptions<IngestOptions> options, IServiceProvider services) : IHealthCheck
{
    public const string Name = "stream-writer";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (options.Value.Provider == IngestProvider.Kinesis)
        {
            return Task.FromResult(HealthCheckResult.Healthy("The stream is a Kinesis stream; this node has no writer of its own."));
        }

        var stream = services.GetRequiredService<IngestStream>();
        return Task.FromResult(stream.WriterProblem is { } problem ? HealthCheckResult.Unhealthy(problem) : HealthCheckResult.Healthy());
    }
}
