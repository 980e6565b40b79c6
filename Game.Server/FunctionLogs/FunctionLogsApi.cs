using Game.Functions.Runtime;
using Game.Server.Auth;

namespace Game.Server.FunctionLogs;

/// <summary>Registers the per-function log files and serves their tail (docs/api.md).</summary>
public static class FunctionLogsApi
{
    /// <summary>Most lines one request may ask for.</summary>
    public const int MaxTail = 1000;

    public static IHostApplicationBuilder AddFunctionLogs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FunctionLogFiles>();
        builder.Services.AddSingleton<IFunctionLogSink>(sp => sp.GetRequiredService<FunctionLogFiles>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FunctionLogFiles>());
        return builder;
    }

    /// <summary>
    /// <c>GET /api/functions/{name}/logs?tail=N</c> (1–1000, default 100): the last lines of the function's log as
    /// plain text, like <c>aws logs tail</c>. Behind the presenter key: the lines carry request ids and error messages.
    /// </summary>
    public static IEndpointRouteBuilder MapFunctionLogs(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/functions/{name}/logs", (string name, int? tail, FunctionCatalog catalog, FunctionLogFiles logs) =>
        {
            if (!catalog.TryGet(name, out var function))
            {
                return Results.Problem(detail: $"There is no function named '{name}'.", statusCode: StatusCodes.Status404NotFound);
            }

            var count = tail ?? 100;
            if (count is < 1 or > MaxTail)
            {
                return Results.Problem(detail: $"tail must be between 1 and {MaxTail}.", statusCode: StatusCodes.Status400BadRequest);
            }

            var lines = logs.Tail(function.Name, count);
            return Results.Text(lines.Count == 0 ? "" : string.Join('\n', lines) + "\n", "text/plain; charset=utf-8");
        }).AddEndpointFilter(PresenterKey.Required);
        return app;
    }
}
