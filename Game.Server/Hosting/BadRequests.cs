using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;

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
    /// exception (a body over the limit by its Content-Length, an unsupported content type) with the same problem shape,
    /// and so do an unknown path and a wrong method under <c>/api</c>, which would otherwise be empty 404s and 405s.
    /// Pages keep their plain 404: a browser shows its own page for it.
    /// </summary>
    public static IApplicationBuilder UseBadRequestAnswers(this IApplicationBuilder app) => app
        .UseExceptionHandler()
        .UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var status = http.Response.StatusCode;
            var underApi = http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);
            var detail = status switch
            {
                StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType => Describe(status, null),
                StatusCodes.Status404NotFound when underApi => $"There is nothing at {http.Request.Path}: docs/api.md lists the API.",
                StatusCodes.Status405MethodNotAllowed when underApi => WrongMethod(http),
                _ => null,
            };
            if (detail is null)
            {
                return;
            }

            await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = status, Detail = detail },
            });
        });

    /// <summary>Routing's 405 sets <c>Allow</c>; the answer names what the path does take.</summary>
    private static string WrongMethod(HttpContext http)
    {
        var allowed = http.Response.Headers.Allow.ToString();
        return allowed.Length == 0
            ? $"{http.Request.Path} does not take {http.Request.Method}."
            : $"{http.Request.Path} does not take {http.Request.Method}; it takes {allowed}.";
    }

    /// <summary>
    /// Says what was wrong in the client's terms: the field and the kind of value it needs, never the .NET type the
    /// serializer was filling (<c>Game.Server.Games.GameApi+CreateGameRequest</c> means nothing to a caller).
    /// </summary>
    private static string Describe(int status, BadHttpRequestException? bad) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "The request body is too large for this endpoint.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with Content-Type: application/json.",
        _ => bad?.Message ?? "The request is malformed.",
    };

    private static string DescribeJson(JsonException json, Type? bodyType)
    {
        // The reader's own errors (bad syntax, a cut-off body) carry the reader's exception inside.
        if (json.InnerException is JsonException || json.Path is null)
        {
            var where = json.LineNumber is { } line ? $" (line {line + 1}, position {json.BytePositionInLine + 1})" : "";
            return $"The body is not valid JSON{where}.";
        }

        if (json.Path == "$")
        {
            return "The body must be a JSON object with the fields docs/api.md lists.";
        }

        var field = json.Path.StartsWith("$.", StringComparison.Ordinal) ? json.Path[2..] : json.Path;
        return $"{field} must be {ExpectedKind(bodyType, field)}.";
    }

    /// <summary>
    /// The serializer's message names the record it was filling, not the field's type: the endpoint's declared body
    /// type (<see cref="IAcceptsMetadata"/>) tells which kind of JSON value the field takes.
    /// </summary>
    private static string ExpectedKind(Type? bodyType, string field)
    {
        var property = bodyType?.GetProperty(field, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        var type = property is null ? null : Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type switch
        {
            null => "a value of another type",
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "true or false",
            _ when type.IsPrimitive || type == typeof(decimal) => "a number",
            _ => "a value of another type",
        };
    }

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
                    Detail = bad.InnerException is JsonException json
                        // The handler runs with the endpoint cleared; the feature keeps the one that failed.
                        ? DescribeJson(json, context.Features.Get<IExceptionHandlerFeature>()?.Endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType)
                        : Describe(bad.StatusCode, bad),
                },
            });
        }


        [LoggerMessage(Level = LogLevel.Information, Message = "Refused {Method} {Path} with {Status}: {Reason}")]
        private static partial void LogBadRequest(ILogger logger, string method, string path, int status, string reason);
    }
}
