using System.Text.Json;
using Game.Server.Auth;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Game.Server.Ingest.Kinesis;

/// <summary>
/// The Kinesis Data Streams wire protocol on <c>POST /</c>, so an unmodified AWS SDK (JSON 1.1; CBOR 1.1 from the
/// Java SDK and the KCL) can write to and read from the embedded stream (docs/protocol.md, "Kinesis API").
/// </summary>
public static partial class KinesisApi
{
    public const string TargetPrefix = "Kinesis_20131202.";
    public const string JsonContentType = "application/x-amz-json-1.1";

    /// <summary>The SigV4 service name Kinesis clients sign for; also the key of this API's verifier.</summary>
    public const string SigningService = "kinesis";

    /// <summary>Registers the Kinesis operations and a SigV4 verifier over the key pairs (<see cref="AccessKeys"/>).</summary>
    public static IHostApplicationBuilder AddKinesisApi(this IHostApplicationBuilder builder)
    {
        // The catalog of embedded streams lives here because only the Kinesis API creates streams besides the primary.
        builder.Services.AddSingleton<IngestStreams>();
        builder.Services.AddOptions<EnhancedFanOutOptions>()
            .Bind(builder.Configuration.GetSection(EnhancedFanOutOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(provider => new KinesisOperations(
            provider.GetRequiredService<IngestStreams>(), provider.GetRequiredService<IOptions<IngestOptions>>(), provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IOptions<EnhancedFanOutOptions>>().Value));
        builder.Services.AddSigV4Verifier(SigningService);
        return builder;
    }

    /// <summary>
    /// Maps <c>POST /</c>; <c>GET /</c> stays the presenter page. Not mapped with <c>Ingest:Provider=Kinesis</c>:
    /// the stream is then the Kinesis stream, and producers write to it directly rather than through this node
    /// (which would only relay, and would keep an embedded stream open that nobody reads).
    /// </summary>
    public static IEndpointRouteBuilder MapKinesisApi(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetRequiredService<IOptions<IngestOptions>>().Value.Provider == IngestProvider.Kinesis)
        {
            return app;
        }

        // One route, many operations: each request is authorized in HandleAsync once its operation and stream are known.
        app.MapPost("/", HandleAsync).DisableAntiforgery().WithMetadata(IamAction.CheckedByEndpoint);
        app.MapKinesisBaseline();
        return app;
    }

    private static async Task HandleAsync(
        HttpContext context,
        KinesisOperations operations,
        [FromKeyedServices(SigningService)] SigV4Verifier verifier,
        AccessKeys keys,
        IOptions<IngestOptions> options,
        IHostApplicationLifetime lifetime,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(KinesisApi));
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        var ingest = options.Value;
        string? operation = null;
        var cbor = false;
        try
        {
            var target = context.Request.Headers["X-Amz-Target"].ToString();
            operation = target.StartsWith(TargetPrefix, StringComparison.Ordinal) ? target[TargetPrefix.Length..] : null;
            if (operation is null || !KinesisOperations.Operations.Contains(operation))
            {
                throw new KinesisException("UnknownOperationException", $"Unknown operation '{target}'.");
            }

            var contentType = context.Request.ContentType?.Split(';')[0].Trim();
            cbor = string.Equals(contentType, KinesisCbor.ContentType, StringComparison.OrdinalIgnoreCase);
            if (!cbor && !string.Equals(contentType, JsonContentType, StringComparison.OrdinalIgnoreCase))
            {
                throw new KinesisException("UnknownOperationException", $"Content type '{contentType}' is not supported; send {JsonContentType} or {KinesisCbor.ContentType}.");
            }

            // Authentication comes before the body is even read: an unsigned request gets nothing from us, not
            // even the memory to hold what it sends (issue #13.5). What needs the body waits for its hash.
            var auth = verifier.Begin(context.ToSigV4Request());
            if (auth.Failure is { } refused)
            {
                Refuse(logger, operation, refused);
            }

            var maxBodyBytes = MaxBodyBytes(operation, ingest);
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                // Our own cap decides; Kestrel's default (30 MB) would otherwise cut a larger configured one.
                limit.MaxRequestBodySize = maxBodyBytes + 1L;
            }

            using var body = await ReadBodyAsync(context, maxBodyBytes);
            var verified = auth.Complete(body.Sha256);
            if (!verified.Succeeded)
            {
                Refuse(logger, operation, verified);
            }

            if (body.Length == 0)
            {
                throw KinesisException.Serialization("The request has no body.");
            }

            // A producer's plain PutRecords skips the document (and CBOR's translation); anything else takes the general path.
            if (operation == "PutRecords"
                && await operations.TryPutRecordsAsync(body.Memory, cbor, verified.Region!, arn => keys.Refusal(verified.AccessKeyId!, "kinesis:PutRecords", () => arn)) is { } putRecords)
            {
                await WriteEncodedAsync(context, StatusCodes.Status200OK, putRecords, cbor);
                return;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(cbor ? KinesisCbor.ToJson(body.Memory) : body.Memory);
            }
            catch (JsonException)
            {
                throw KinesisException.Serialization("The request body is not valid JSON.");
            }

            using (document)
            {
                // Permissions (issue #18.6), in this one place for every operation, those added later included: the
                // action is kinesis:<operation>, the resource the stream or consumer the request names.
                if (keys.Refusal(verified.AccessKeyId!, "kinesis:" + operation, () => operations.ResourceArn(document.RootElement, verified.Region!)) is { } denied)
                {
                    throw new KinesisException(AccessKeys.DeniedErrorType, denied);
                }

                if (operation == KinesisOperations.SubscribeToShardOperation)
                {
                    // Validated like any operation (errors answered as usual), then an event stream instead of a body.
                    var subscription = operations.SubscribeToShard(document.RootElement, verified.Region!);
                    await StreamEventsAsync(context, subscription, cbor, lifetime.ApplicationStopping, logger);
                    return;
                }

                var response = await operations.InvokeAsync(operation, document.RootElement, verified.Region!);
                await WriteAsync(context, StatusCodes.Status200OK, response, cbor);
            }
        }
        catch (KinesisException ex)
        {
            if (ex.StatusCode >= 500)
            {
                LogFailed(logger, operation, ex.ErrorType, ex.Message);
            }

            await WriteErrorAsync(context, ex, cbor);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested && ex is not BadHttpRequestException && !context.Response.HasStarted)
        {
            // A bug, not the client's fault; still answered in Kinesis' shape (InternalFailure), never as problem+json.
            LogUnexpected(logger, operation, ex);
            await WriteErrorAsync(context, new KinesisException("InternalFailure", "Internal service failure.", StatusCodes.Status500InternalServerError), cbor);
        }
    }

    /// <summary>
    /// The most a request of this operation may carry, checked against its <c>Content-Length</c> before reading.
    /// Base64 makes data a third larger, and JSON adds keys and punctuation around it.
    /// </summary>
    internal static int MaxBodyBytes(string operation, IngestOptions ingest) => operation switch
    {
        "PutRecords" => (int)((long)ingest.MaxRequestBytes * 4 / 3 + 1024 * 1024),
        "PutRecord" => (int)((long)ingest.MaxRecordBytes * 4 / 3 + 64 * 1024),
        // The reads and listings carry names, ids and tokens (a ListShards NextToken may be 1 MiB long).
        _ => 2 * 1024 * 1024,
    };

    /// <summary>Kinesis answers every authentication failure, a missing token included, with 400.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Refuse(ILogger logger, string operation, SigV4Result refused)
    {
        LogRefused(logger, operation, refused.ErrorType!, refused.ErrorMessage!);
        throw new KinesisException(refused.ErrorType!, refused.ErrorMessage!);
    }

    private static async Task WriteErrorAsync(HttpContext context, KinesisException error, bool cbor)
    {
        context.Response.Headers["x-amzn-ErrorType"] = error.ErrorType;
        await WriteAsync(context, error.StatusCode, ErrorBody(error), cbor);
    }

    /// <summary>Answers in the protocol the request came in: JSON, or the same structure in CBOR.</summary>
    private static Task WriteAsync(HttpContext context, int statusCode, byte[] json, bool cbor) =>
        WriteEncodedAsync(context, statusCode, cbor ? KinesisCbor.FromJson(json) : json, cbor);

    /// <summary>Answers a body already in the request's protocol.</summary>
    private static async Task WriteEncodedAsync(HttpContext context, int statusCode, byte[] body, bool cbor)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = cbor ? KinesisCbor.ContentType : JsonContentType;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static async Task<SignedBody> ReadBodyAsync(HttpContext context, int maxBytes)
    {
        try
        {
            return await SignedBody.ReadAsync(context.Request, maxBytes, context.RequestAborted);
        }
        catch (RequestBodyException ex) when (ex.Error == RequestBodyError.TooLarge)
        {
            throw TooLarge(maxBytes);
        }
        catch (RequestBodyException ex)
        {
            throw KinesisException.Serialization(ex.Message);
        }
    }

    private static KinesisException TooLarge(long maxBytes) =>
        new("ValidationException", $"The request body exceeds {maxBytes} bytes.", StatusCodes.Status413RequestEntityTooLarge);

    private static byte[] ErrorBody(KinesisException error)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("__type", error.ErrorType);
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kinesis {Operation} refused: {ErrorType}: {Message}")]
    private static partial void LogRefused(ILogger logger, string operation, string errorType, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kinesis {Operation} failed: {ErrorType}: {Message}")]
    private static partial void LogFailed(ILogger logger, string? operation, string errorType, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kinesis {Operation} failed unexpectedly; answered InternalFailure")]
    private static partial void LogUnexpected(ILogger logger, string? operation, Exception exception);
}
