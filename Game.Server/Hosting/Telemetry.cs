using System.Net;
using System.Security.Cryptography;
using System.Text;
using Game.Functions.Games;
using OpenTelemetry.Metrics;

namespace Game.Server.Hosting;

public static class Telemetry
{
    /// <summary>The key <c>/metrics</c> asks for (<c>Authorization: Bearer &lt;key&gt;</c>); unset, only loopback callers are answered.</summary>
    public const string MetricsKeySetting = "Game:MetricsKey";

    /// <summary>
    /// Metrics in Prometheus text at <c>/metrics</c>: the functions' (Lambda's names), the game grains' frame stages
    /// (<see cref="GameMetrics"/>) and the runtime's, which include the process's CPU time and working set
    /// (<c>dotnet_process_*</c>) that the load tool reads.
    /// </summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddRuntimeInstrumentation()
            .AddMeter(GameMetrics.MeterName)
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary>
    /// <c>/metrics</c>, behind <see cref="MetricsKeySetting"/> when it is set; without a key, open to callers on this
    /// machine only: the metrics name games' traffic and functions, which is nobody's business on the venue's Wi-Fi.
    /// </summary>
    public static IEndpointRouteBuilder MapTelemetry(this IEndpointRouteBuilder app)
    {
        var key = app.ServiceProvider.GetRequiredService<IConfiguration>()[MetricsKeySetting] is { Length: > 0 } configured
            ? Encoding.UTF8.GetBytes(configured)
            : null;
        // The exporter's endpoint is a plain request delegate (endpoint filters do not run for it): wrap that.
        app.MapPrometheusScrapingEndpoint("/metrics").Add(endpoint =>
        {
            var next = endpoint.RequestDelegate!;
            endpoint.RequestDelegate = context => IsAllowed(context, key)
                ? next(context)
                : Results.Problem(
                    detail: key is null
                        ? $"/metrics answers only this machine; set {MetricsKeySetting} and send Authorization: Bearer <key> to read it from elsewhere."
                        : "/metrics needs the metrics key: Authorization: Bearer <key>.",
                    statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
        });
        return app;
    }

    internal static bool IsAllowed(HttpContext context, byte[]? key)
    {
        if (key is null)
        {
            // No address: an in-process test host, which is this machine too.
            return context.Connection.RemoteIpAddress is not { } remote || IPAddress.IsLoopback(remote);
        }

        const string scheme = "Bearer ";
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), key);
    }
}
