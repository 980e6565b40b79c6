using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Game.Server.Hosting;

public static class PagesAndHealth
{
    /// <summary>The health checks behind <c>/health</c>; each feature adds its own (the stream's writer, for one).</summary>
    public static IHostApplicationBuilder AddPagesAndHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>
    /// Game.Web's pages: the presenter display at <c>/</c>, the phone controller at <c>/play</c>; and <c>/health</c>:
    /// 200 <c>{"status":"ok"}</c> while every check passes, 503 with the failing checks otherwise.
    /// </summary>
    public static IEndpointRouteBuilder MapPages(this WebApplication app)
    {
        app.UseStaticFiles();
        // HEAD too: link checkers, uptime monitors and `curl -I` ask for a page that way, and a 405 reads as "down".
        string[] getOrHead = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods("/", getOrHead, (IWebHostEnvironment env) => Page(env, "presenter/index.html"));
        app.MapMethods("/play", getOrHead, (IWebHostEnvironment env) => Page(env, "play/index.html"));
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        return app;
    }

    private static IResult Page(IWebHostEnvironment env, string path)
    {
        var file = env.WebRootFileProvider.GetFileInfo(path);
        return file.Exists ? Results.Stream(file.CreateReadStream(), "text/html; charset=utf-8") : Results.NotFound();
    }

    /// <summary>Healthy answers the body it always did; otherwise the body names what is wrong, for whoever looks.</summary>
    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        object body = report.Status == HealthStatus.Healthy
            ? new { status = "ok" }
            : new
            {
                status = report.Status.ToString().ToLowerInvariant(),
                checks = report.Entries
                    .Where(e => e.Value.Status != HealthStatus.Healthy)
                    .Select(e => new { name = e.Key, status = e.Value.Status.ToString().ToLowerInvariant(), description = e.Value.Description }),
            };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
    }
}
