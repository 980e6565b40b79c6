using Game.Functions.Runtime;
using Game.Server.Storage;
using OpenTelemetry.Metrics;

namespace Game.Server.Hosting;

public static class Telemetry
{
    /// <summary>
    /// Metrics in Prometheus text at <c>/metrics</c>: the functions' (Lambda's names) and the runtime's, which
    /// include the process's CPU time and working set (<c>dotnet_process_*</c>) that the load tool reads.
    /// </summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FunctionMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(FunctionMetrics.MeterName)
            .AddMeter(StorageMetrics.MeterName)
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        return builder;
    }

    public static IEndpointRouteBuilder MapTelemetry(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
