using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Game.Server.Hosting;

/// <summary>
/// Every malformed request gets a clear problem+json answer (RFC 7807) that says what was wrong, instead of the
/// empty 400 minimal APIs give by default: bad JSON, wrong JSON types, a missing or wrong content type, a body over
/// the endpoint's limit. Nothing runs for such a request, so nothing changes.
/// </summary>
public static partial class BadRequests
{
    public static IHostApplicationBuilder AddBadRequestAnswers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        // Binding failures throw (and so reach the handler above) instead of answering an empty 400.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return builder;
    }

    /// <summary>
    /// The exception handler answers binding failures; status-code pages answer what the framework refuses without an
    /// exception (a body over the limit by its Content-Length, an unsupported content type) with the same problem shape.
    /// </summary>
    public static IApplicationBuilder UseBadRequestAnswers(this IApplicationBuilder app) => app
        .UseExceptionHandler()
        .UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            if (http.Response.StatusCode is not (StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType))
            {
                return;
            }

            await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = http.Response.StatusCode, Detail = Describe(http.Response.StatusCode, null) },
            });
        });

    /// <summary>The binder's message names the parameter; the JSON reader's names the field and the position.</summary>
    private static string Describe(int status, BadHttpRequestException? bad) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "The request body is too large for this endpoint.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with Content-Type: application/json.",
        _ when bad?.InnerException is JsonException json => $"The body is not the JSON this endpoint takes: {json.Message}",
        _ => bad?.Message ?? "The request is malformed.",
    };

    private sealed partial class BadRequestHandler(IProblemDetailsService problems, ILogger<BadRequestHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad)
            {
                return false;
            }

            LogBadRequest(logger, context.Request.Method, context.Request.Path, bad.StatusCode, bad.Message);
            context.Response.StatusCode = bad.StatusCode;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails =
                {
                    Status = bad.StatusCode,
                    Detail = Describe(bad.StatusCode, bad),
                },
            });
        }


        [LoggerMessage(Level = LogLevel.Information, Message = "Refused {Method} {Path} with {Status}: {Reason}")]
        private static partial void LogBadRequest(ILogger logger, string method, string path, int status, string reason);
    }
}
