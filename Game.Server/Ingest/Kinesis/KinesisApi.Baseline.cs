using Game.Server.Auth;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Game.Server.Ingest.Kinesis;

/// <summary>
/// The Kinesis API's ceiling, for benchmarks (docs/performance.md, "Kinesis API"), as <c>/baseline</c> is the phone
/// hub's: <c>POST /baseline/kinesis</c> takes <c>PutRecords</c> exactly as <c>POST /</c> does — the target and
/// content type checked, the signature verified, the body read, hashed and parsed — and answers every record
/// accepted, in the same shape, without a stream: it has no <see cref="KinesisOperations"/>, so it changes nothing.
/// </summary>
public static partial class KinesisApi
{
    /// <summary>Where the do-nothing endpoint listens; a client points its endpoint URL here.</summary>
    public const string BaselinePath = "/baseline/kinesis";

    private static void MapKinesisBaseline(this IEndpointRouteBuilder app) =>
        app.MapPost(BaselinePath, HandleBaselineAsync).DisableAntiforgery();

    private static async Task HandleBaselineAsync(
        HttpContext context,
        [FromKeyedServices(SigningService)] SigV4Verifier verifier,
        IOptions<IngestOptions> options,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(KinesisApi));
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        const string operation = "PutRecords";
        var cbor = false;
        try
        {
            var target = context.Request.Headers["X-Amz-Target"].ToString();
            if (target != TargetPrefix + operation)
            {
                throw new KinesisException("UnknownOperationException", $"The baseline takes {TargetPrefix}{operation} only, not '{target}'.");
            }

            var contentType = context.Request.ContentType?.Split(';')[0].Trim();
            cbor = string.Equals(contentType, KinesisCbor.ContentType, StringComparison.OrdinalIgnoreCase);
            if (!cbor && !string.Equals(contentType, JsonContentType, StringComparison.OrdinalIgnoreCase))
            {
                throw new KinesisException("UnknownOperationException", $"Content type '{contentType}' is not supported; send {JsonContentType} or {KinesisCbor.ContentType}.");
            }

            var auth = verifier.Begin(context.ToSigV4Request());
            if (auth.Failure is { } refused)
            {
                Refuse(logger, operation, refused);
            }

            var maxBodyBytes = MaxBodyBytes(operation, options.Value);
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = maxBodyBytes + 1L;
            }

            using var body = await ReadBodyAsync(context, maxBodyBytes);
            var verified = auth.Complete(body.Sha256);
            if (!verified.Succeeded)
            {
                Refuse(logger, operation, verified);
            }

            var input = (cbor
                    ? PutRecordsReader.TryReadCbor(body.Memory, options.Value.MaxRecordBytes, options.Value.MaxRequestBytes)
                    : PutRecordsReader.TryRead(body.Memory.Span, options.Value.MaxRecordBytes, options.Value.MaxRequestBytes))
                ?? throw KinesisException.Serialization("The baseline takes only a plain PutRecords request: StreamName, and records of Data and PartitionKey.");
            // Sequence numbers and shard ids as long as real ones: the client reads as much as from the real endpoint.
            var results = new AppendResult[input.Records.Count];
            for (var i = 0; i < results.Length; i++)
            {
                results[i] = new AppendResult(ShardMap.ShardId(0), SequenceNumber.Format(0, i + 1));
            }

            await WriteEncodedAsync(context, StatusCodes.Status200OK, KinesisOperations.PutRecordsResponse(results, cbor), cbor);
        }
        catch (KinesisException ex)
        {
            await WriteErrorAsync(context, ex, cbor);
        }
    }
}
