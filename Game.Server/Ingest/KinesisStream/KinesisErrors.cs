using System.Net;

namespace Game.Server.Ingest.KinesisStream;

/// <summary>
/// An error a Kinesis endpoint answered (<c>{"__type": ErrorType, "message": ...}</c>). The subclasses are the
/// errors a caller acts on; any other type arrives as this class with its <see cref="ErrorType"/>.
/// </summary>
public class KinesisServiceException(string errorType, string message, HttpStatusCode statusCode, string? requestId)
    : Exception($"{errorType}: {message}")
{
    /// <summary>Kinesis' error name without its namespace, e.g. <c>ResourceNotFoundException</c>.</summary>
    public string ErrorType { get; } = errorType;

    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>The endpoint's <c>x-amzn-RequestId</c>, for support cases.</summary>
    public string? RequestId { get; } = requestId;

    /// <summary>Whether the same request may succeed later: throttling and the endpoint's own failures.</summary>
    public virtual bool IsRetriable => (int)StatusCode >= 500;

    /// <summary>The exception for an error answer. <paramref name="type"/> may carry a namespace (<c>com.amazon…#Name</c>) or a suffix (<c>Name:http://…</c>).</summary>
    public static KinesisServiceException From(string? type, string? message, HttpStatusCode status, string? requestId)
    {
        var name = type ?? (status >= HttpStatusCode.InternalServerError ? "InternalFailure" : $"Http{(int)status}");
        name = name[(name.LastIndexOf('#') + 1)..];
        if (name.IndexOf(':') is > 0 and var colon)
        {
            name = name[..colon];
        }

        message ??= $"HTTP {(int)status} from the Kinesis endpoint.";
        return name switch
        {
            "ResourceNotFoundException" => new ResourceNotFoundException(message, status, requestId),
            "ResourceInUseException" => new ResourceInUseException(message, status, requestId),
            "ProvisionedThroughputExceededException" => new ProvisionedThroughputExceededException(message, status, requestId),
            "ExpiredIteratorException" => new ExpiredIteratorException(message, status, requestId),
            "LimitExceededException" => new LimitExceededException(message, status, requestId),
            "InvalidArgumentException" => new InvalidArgumentException(message, status, requestId),
            "AccessDeniedException" or "UnrecognizedClientException" or "InvalidSignatureException" or "IncompleteSignatureException"
                or "MissingAuthenticationTokenException" or "ExpiredTokenException" or "SignatureDoesNotMatch"
                => new KinesisAccessDeniedException(name, message, status, requestId),
            "InternalFailure" or "InternalFailureException" or "ServiceUnavailable" or "ServiceUnavailableException"
                => new KinesisInternalFailureException(name, message, status, requestId),
            "ThrottlingException" or "KMSThrottlingException" => new KinesisThrottlingException(name, message, status, requestId),
            _ => new KinesisServiceException(name, message, status, requestId),
        };
    }
}

/// <summary>The stream (or shard) does not exist, or is not ACTIVE for this call.</summary>
public sealed class ResourceNotFoundException(string message, HttpStatusCode status, string? requestId)
    : KinesisServiceException(nameof(ResourceNotFoundException), message, status, requestId);

/// <summary>The stream exists already (CreateStream), or is busy with another change.</summary>
public sealed class ResourceInUseException(string message, HttpStatusCode status, string? requestId)
    : KinesisServiceException(nameof(ResourceInUseException), message, status, requestId);

/// <summary>Over a shard's read or write limit (or the account's rate). Retried with backoff.</summary>
public sealed class ProvisionedThroughputExceededException(string message, HttpStatusCode status, string? requestId)
    : KinesisServiceException(nameof(ProvisionedThroughputExceededException), message, status, requestId)
{
    public override bool IsRetriable => true;
}

/// <summary>The shard iterator is older than its lifetime (5 minutes on Kinesis): get a new one from the checkpoint.</summary>
public sealed class ExpiredIteratorException(string message, HttpStatusCode status, string? requestId)
    : KinesisServiceException(nameof(ExpiredIteratorException), message, status, requestId);

/// <summary>Too many control-plane calls at once, or over a shard/stream quota. Retried with backoff.</summary>
public sealed class LimitExceededException(string message, HttpStatusCode status, string? requestId)
    : KinesisServiceException(nameof(LimitExceededException), message, status, requestId)
{
    public override bool IsRetriable => true;
}

/// <summary>A parameter is wrong (an invalid iterator, a sequence number of another shard, …).</summary>
public sealed class InvalidArgumentException(string message, HttpStatusCode status, string? requestId)
    : KinesisServiceException(nameof(InvalidArgumentException), message, status, requestId);

/// <summary>The credentials were refused: unknown key, bad signature, expired token or no permission.</summary>
public sealed class KinesisAccessDeniedException(string errorType, string message, HttpStatusCode status, string? requestId)
    : KinesisServiceException(errorType, message, status, requestId);

/// <summary>The endpoint failed on its side (<c>InternalFailure</c>, 5xx). Retried with backoff.</summary>
public sealed class KinesisInternalFailureException(string errorType, string message, HttpStatusCode status, string? requestId)
    : KinesisServiceException(errorType, message, status, requestId)
{
    public override bool IsRetriable => true;
}

/// <summary>Request-rate throttling outside a shard's limits (AWS' <c>ThrottlingException</c>, KMS). Retried with backoff.</summary>
public sealed class KinesisThrottlingException(string errorType, string message, HttpStatusCode status, string? requestId)
    : KinesisServiceException(errorType, message, status, requestId)
{
    public override bool IsRetriable => true;
}
