using System.Text.Json;
using Game.Functions.Runtime;
using Game.Server.Auth;
using Game.Server.Functions.ControlPlane;

namespace Game.Server.Functions.AsyncInvocations;

/// <summary>
/// Lambda's asynchronous invocation settings on its REST paths and the Invoke endpoint's signature:
/// Put, Update, Get, Delete and ListFunctionEventInvokeConfigs (<c>/2019-09-25/functions/{name}/event-invoke-config</c>).
/// Stored with the function's configuration in the control plane, so every node's <see cref="AsyncEventWorker"/>
/// applies them within its refresh.
/// </summary>
public static class EventInvokeConfigApi
{
    private const string SigningService = "lambda";
    private const string Path = "/2019-09-25/functions/{functionName}/event-invoke-config";

    public static IEndpointRouteBuilder MapEventInvokeConfigApi(this IEndpointRouteBuilder app)
    {
        app.MapPut(Path, PutAsync).DisableAntiforgery();
        app.MapPost(Path, UpdateAsync).DisableAntiforgery();
        app.MapGet(Path, GetAsync);
        app.MapDelete(Path, DeleteAsync);
        app.MapGet(Path + "/list", ListAsync);
        return app;
    }

    /// <summary>Put replaces the whole configuration: a field left out goes back to its default.</summary>
    private static Task<IResult> PutAsync(string functionName, string? qualifier, HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, TimeProvider time, [FromKeyedServices(SigningService)] SigV4Verifier verifier) =>
        WriteAsync(functionName, qualifier, context, configurations, catalog, time, verifier, replace: true);

    /// <summary>Update changes only the fields given (and creates the configuration when there is none).</summary>
    private static Task<IResult> UpdateAsync(string functionName, string? qualifier, HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, TimeProvider time, [FromKeyedServices(SigningService)] SigV4Verifier verifier) =>
        WriteAsync(functionName, qualifier, context, configurations, catalog, time, verifier, replace: false);

    private static async Task<IResult> GetAsync(string functionName, string? qualifier, HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, [FromKeyedServices(SigningService)] SigV4Verifier verifier)
    {
        var (request, name, error) = await VerifyAsync(functionName, qualifier, context, configurations, catalog, verifier);
        if (request is null)
        {
            return error!;
        }

        return configurations.Function(name)?.EventInvokeConfig is { } config
            ? LambdaRequests.Ok(Shape(request.Region, name, config))
            : NoConfig(request.Region, name);
    }

    private static async Task<IResult> ListAsync(string functionName, HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, [FromKeyedServices(SigningService)] SigV4Verifier verifier)
    {
        var (request, name, error) = await VerifyAsync(functionName, null, context, configurations, catalog, verifier);
        if (request is null)
        {
            return error!;
        }

        // One configuration per function: this server has no versions or aliases to configure apart.
        var configs = configurations.Function(name)?.EventInvokeConfig is { } config ? new[] { Shape(request.Region, name, config) } : Array.Empty<object>();
        return LambdaRequests.Ok(new { FunctionEventInvokeConfigs = configs });
    }

    private static async Task<IResult> DeleteAsync(string functionName, string? qualifier, HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, [FromKeyedServices(SigningService)] SigV4Verifier verifier)
    {
        var (request, name, error) = await VerifyAsync(functionName, qualifier, context, configurations, catalog, verifier);
        if (request is null)
        {
            return error!;
        }

        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (configurations.Function(name) is not { EventInvokeConfig: not null } current)
            {
                return NoConfig(request.Region, name);
            }

            if (await configurations.PutFunctionAsync(current with { EventInvokeConfig = null }, current.Revision, context.RequestAborted) is not null)
            {
                return Results.StatusCode(StatusCodes.Status204NoContent);
            }
        }

        return Busy(name);
    }

    private static async Task<IResult> WriteAsync(
        string functionName, string? qualifier, HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, TimeProvider time, SigV4Verifier verifier, bool replace)
    {
        var (request, name, error) = await VerifyAsync(functionName, qualifier, context, configurations, catalog, verifier);
        if (request is null)
        {
            return error!;
        }

        var body = request.Body is { ValueKind: JsonValueKind.Object } json ? json : default;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = configurations.Function(name) ?? new FunctionConfiguration { FunctionName = name, LastModified = time.GetUtcNow() };
            var start = replace ? new EventInvokeConfig() : current.EventInvokeConfig ?? new EventInvokeConfig();
            EventInvokeConfig config;
            try
            {
                config = Read(body, start) with { LastModified = time.GetUtcNow() };
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
            {
                return LambdaRequests.InvalidParameter(ex.Message);
            }

            if (config.Check() is { } invalid)
            {
                return LambdaRequests.Error(StatusCodes.Status400BadRequest, "ValidationException", invalid);
            }

            if (await configurations.PutFunctionAsync(current with { EventInvokeConfig = config }, current.Revision, context.RequestAborted) is not null)
            {
                return LambdaRequests.Ok(Shape(request.Region, name, config));
            }
        }

        return Busy(name);
    }

    /// <summary>The fields given in <paramref name="body"/> over <paramref name="start"/>.</summary>
    private static EventInvokeConfig Read(JsonElement body, EventInvokeConfig start)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return start;
        }

        var config = start;
        if (body.TryGetProperty("MaximumRetryAttempts", out var retries))
        {
            config = config with { MaximumRetryAttempts = retries.ValueKind == JsonValueKind.Null ? null : retries.GetInt32() };
        }

        if (body.TryGetProperty("MaximumEventAgeInSeconds", out var age))
        {
            config = config with { MaximumEventAgeInSeconds = age.ValueKind == JsonValueKind.Null ? null : age.GetInt32() };
        }

        if (body.TryGetProperty("DestinationConfig", out var destinations) && destinations.ValueKind == JsonValueKind.Object)
        {
            if (destinations.TryGetProperty("OnSuccess", out var onSuccess) && onSuccess.TryGetProperty("Destination", out var success) && success.GetString() is { Length: > 0 } successArn)
            {
                throw new ArgumentException($"The OnSuccess destination '{successArn}' is not supported: this server keeps only failed events (in its dead letters).");
            }

            var failure = destinations.TryGetProperty("OnFailure", out var onFailure) && onFailure.TryGetProperty("Destination", out var destination) ? destination.GetString() : null;
            config = config with
            {
                OnFailureDestination = failure switch
                {
                    null or "" => null,
                    _ when failure.Split(':')[^1] == "DeadLetters" => "DeadLetters",
                    _ => throw new ArgumentException($"The on-failure destination here is DeadLetters (the store's dead letters, e.g. arn:aws:sqs:us-east-1:000000000000:DeadLetters), not '{failure}'."),
                },
            };
        }

        return config;
    }

    /// <summary>Verifies the request, finds the function, reads the store; only $LATEST exists here.</summary>
    private static async Task<(VerifiedRequest? Request, string Name, IResult? Error)> VerifyAsync(
        string functionName, string? qualifier, HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, SigV4Verifier verifier)
    {
        var (request, error) = await LambdaRequests.VerifyAsync(context, verifier);
        if (request is null)
        {
            return (null, "", error);
        }

        var name = LambdaRequests.FunctionName(functionName);
        if (!catalog.TryGet(name, out _) || qualifier is { Length: > 0 } and not "$LATEST")
        {
            return (null, name, LambdaRequests.FunctionNotFound(request.Region, qualifier is { Length: > 0 } and not "$LATEST" ? $"{name}:{qualifier}" : name));
        }

        await configurations.RefreshAsync(context.RequestAborted);
        return (request, name, null);
    }

    /// <summary>Lambda's FunctionEventInvokeConfig; LastModified in epoch seconds, as Lambda's REST JSON writes timestamps.</summary>
    private static object Shape(string region, string name, EventInvokeConfig config) => new
    {
        LastModified = config.LastModified.ToUnixTimeMilliseconds() / 1000.0,
        FunctionArn = LambdaRequests.FunctionArn(region, name) + ":$LATEST",
        config.MaximumRetryAttempts,
        config.MaximumEventAgeInSeconds,
        DestinationConfig = new
        {
            OnSuccess = new { },
            OnFailure = config.OnFailureDestination is null
                ? (object)new { }
                : new { Destination = $"arn:aws:sqs:{region}:{LambdaRequests.AccountId}:{config.OnFailureDestination}" },
        },
    };

    private static IResult NoConfig(string region, string name) =>
        LambdaRequests.Error(StatusCodes.Status404NotFound, "ResourceNotFoundException", $"The function {LambdaRequests.FunctionArn(region, name)}:$LATEST doesn't have an EventInvokeConfig");

    private static IResult Busy(string name) =>
        LambdaRequests.Error(StatusCodes.Status409Conflict, "ResourceConflictException", $"The function {name} is being changed by another request. Try again.");
}
