using System.Text;
using System.Text.Json;
using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Server.Auth;
using Game.Server.Functions.AsyncInvocations;
using Microsoft.AspNetCore.Http.Features;

namespace Game.Server.Invoke;

/// <summary>
/// Lambda's Invoke API, <c>POST /2015-03-31/functions/{FunctionName}/invocations</c>, so an AWS SDK's Lambda
/// client can call our functions: RequestResponse (200 with the answer), Event (202 once the event is queued in the
/// store; <see cref="AsyncEventWorker"/> runs and retries it), DryRun (204),
/// <c>X-Amz-Log-Type: Tail</c>, and <c>X-Amz-Function-Error</c> on a failed invocation. Signed with SigV4 for
/// service <c>lambda</c>, with the same key pair as the Kinesis API (<c>Ingest:AccessKeyId</c>/<c>SecretAccessKey</c>).
/// </summary>
public static class InvokeApi
{
    public const string SigningService = "lambda";

    /// <summary>Lambda's payload limits: 6 MB for a synchronous invocation, 1 MB for an asynchronous one.</summary>
    public const int MaxSyncPayloadBytes = 6 * 1024 * 1024;

    public const int MaxAsyncPayloadBytes = 1024 * 1024;

    /// <summary>Lambda returns the last 4 KB of the log with <c>X-Amz-Log-Type: Tail</c>.</summary>
    private const int TailBytes = 4096;

    /// <summary>The endpoint's signature and the queue behind its Event invocations (register after the store and the control plane).</summary>
    public static IHostApplicationBuilder AddInvokeApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSigV4Verifier(SigningService);
        builder.AddAsyncInvocations();
        return builder;
    }

    public static IEndpointRouteBuilder MapInvokeApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/2015-03-31/functions/{functionName}/invocations", HandleAsync).DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> HandleAsync(
        string functionName,
        HttpContext context,
        FunctionCatalog catalog,
        IGrainFactory grains,
        AsyncEventQueue queue,
        [FromKeyedServices(SigningService)] SigV4Verifier verifier)
    {
        var requestId = Guid.NewGuid().ToString();
        context.Response.Headers["x-amzn-RequestId"] = requestId;
        var invocationType = context.Request.Headers["X-Amz-Invocation-Type"].ToString() is { Length: > 0 } type ? type : "RequestResponse";
        if (invocationType is not ("RequestResponse" or "Event" or "DryRun"))
        {
            return Error(StatusCodes.Status400BadRequest, "InvalidParameterValueException", $"X-Amz-Invocation-Type must be RequestResponse, Event or DryRun, not '{invocationType}'.");
        }

        // Nothing runs, nothing is looked up and the body is not read before the caller's headers pass: an unsigned
        // or foreign request costs no memory (issue #13.5). The signature itself may need the body's hash.
        var auth = verifier.Begin(context.ToSigV4Request());
        if (auth.Failure is { } refused)
        {
            return Error(StatusCodes.Status403Forbidden, refused.ErrorType!, refused.ErrorMessage!);
        }

        var limit = invocationType == "Event" ? MaxAsyncPayloadBytes : MaxSyncPayloadBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            // Room for Kestrel to drain an oversize payload after our 413: answering while the client is still
            // sending and then resetting the connection under it makes SDKs report a network error instead of Lambda's.
            bodyLimit.MaxRequestBodySize = 2L * limit;
        }

        byte[] payload;
        SigV4Result verified;
        try
        {
            using var body = await SignedBody.ReadAsync(context.Request, limit, context.RequestAborted);
            verified = auth.Complete(body.Sha256);
            // The grain gets its own copy; the pooled buffer goes back at once.
            payload = verified.Succeeded ? body.Memory.ToArray() : [];
        }
        catch (RequestBodyException ex) when (ex.Error == RequestBodyError.TooLarge)
        {
            return Error(StatusCodes.Status413RequestEntityTooLarge, "RequestTooLargeException", $"Request must be smaller than {limit} bytes for the {invocationType} invocation type.");
        }
        catch (RequestBodyException ex)
        {
            return Error(StatusCodes.Status400BadRequest, "InvalidRequestContentException", ex.Message);
        }

        if (!verified.Succeeded)
        {
            return Error(StatusCodes.Status403Forbidden, verified.ErrorType!, verified.ErrorMessage!);
        }

        var name = functionName.Split(':')[^1];
        if (!catalog.TryGet(name, out var registration))
        {
            return Error(StatusCodes.Status404NotFound, "ResourceNotFoundException", $"Function not found: arn:aws:lambda:{verified.Region}:000000000000:function:{name}");
        }

        if (IsStreamFed(registration))
        {
            // Lambda would run it, but then anyone with the producer key could hand the score function a made-up
            // event (any arrival time, any round) and write points into a game; only the stream's own records may
            // (issue #13.3). DryRun is refused too: it answers whether the real call would be accepted.
            return Error(StatusCodes.Status409Conflict, "ResourceConflictException",
                $"Function {name} is fed by its event source mapping on the stream and cannot be invoked directly with a made-up event: only records that arrived in the stream change scores. Put the records on the stream instead (Kinesis PutRecord or PutRecords).");
        }

        if (payload.Length > 0 && !IsJson(payload))
        {
            return Error(StatusCodes.Status400BadRequest, "InvalidRequestContentException", "Could not parse request body into json: the payload is not valid JSON.");
        }

        var grain = grains.GetGrain<IFunctionGrain>(name);
        switch (invocationType)
        {
            case "DryRun":
                return Results.StatusCode(StatusCodes.Status204NoContent);
            case "Event":
                try
                {
                    // Stored before the 202: an accepted event survives a restart, and any node may run it.
                    await queue.AcceptAsync(name, requestId, payload, context.RequestAborted);
                }
                catch (AsyncEventTooLargeException ex)
                {
                    return Error(StatusCodes.Status413RequestEntityTooLarge, "RequestTooLargeException", ex.Message);
                }

                return Results.StatusCode(StatusCodes.Status202Accepted);
        }

        var invocation = await grain.Invoke(payload);
        context.Response.Headers["X-Amz-Executed-Version"] = "$LATEST";
        if (string.Equals(context.Request.Headers["X-Amz-Log-Type"], "Tail", StringComparison.OrdinalIgnoreCase))
        {
            var log = Encoding.UTF8.GetBytes(invocation.Log);
            context.Response.Headers["X-Amz-Log-Result"] = Convert.ToBase64String(log.AsSpan(Math.Max(0, log.Length - TailBytes)));
        }

        if (invocation.ErrorType is not null)
        {
            // Lambda answers 200 with the error in the payload and this header: the call worked, the function did not.
            context.Response.Headers["X-Amz-Function-Error"] = "Unhandled";
            return Results.Json(new { errorMessage = invocation.ErrorMessage, errorType = invocation.ErrorType }, statusCode: StatusCodes.Status200OK);
        }

        return Results.Bytes(invocation.Payload, "application/json");
    }

    /// <summary>A function registered with an event source mapping (<c>AddKinesisFunction</c>) handles stream batches only.</summary>
    private static bool IsStreamFed(FunctionRegistration registration) =>
        typeof(IKinesisFunction).IsAssignableFrom(registration.Implementation)
        || typeof(ITumblingWindowFunction).IsAssignableFrom(registration.Implementation);

    private static bool IsJson(byte[] payload)
    {
        try
        {
            using var _ = JsonDocument.Parse(payload);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Lambda's error shape: the type in <c>x-amzn-ErrorType</c> and in the body.</summary>
    private static IResult Error(int status, string type, string message) =>
        new ErrorResult(status, type, message);

    private sealed class ErrorResult(int status, string type, string message) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.Headers["x-amzn-ErrorType"] = type;
            return httpContext.Response.WriteAsJsonAsync(new Dictionary<string, string> { ["Type"] = "User", ["Message"] = message, ["__type"] = type });
        }
    }
}
