namespace Game.Server.Ingest.Kinesis;

/// <summary>
/// An error the Kinesis API answers as Kinesis does: <c>{"__type": ErrorType, "message": ...}</c> with an HTTP
/// status (400 for every client error, 500 for InternalFailure). Thrown before anything is written.
/// </summary>
public sealed class KinesisException(string errorType, string message, int statusCode = StatusCodes.Status400BadRequest) : Exception(message)
{
    public string ErrorType { get; } = errorType;

    public int StatusCode { get; } = statusCode;

    public static KinesisException Validation(params IReadOnlyList<string> errors) => new(
        "ValidationException",
        $"{errors.Count} validation error{(errors.Count == 1 ? "" : "s")} detected: {string.Join("; ", errors)}");

    public static KinesisException Serialization(string message) => new("SerializationException", message);

    public static KinesisException InvalidArgument(string message) => new("InvalidArgumentException", message);

    public static KinesisException ResourceNotFound(string message) => new("ResourceNotFoundException", message);
}
