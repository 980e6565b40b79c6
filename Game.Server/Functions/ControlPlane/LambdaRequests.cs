using System.Text.Json;
using System.Text.Json.Serialization;
using Game.Server.Auth;
using Microsoft.AspNetCore.Http.Features;

namespace Game.Server.Functions.ControlPlane;

/// <summary>A control-plane request that passed SigV4: the region it was signed for, its JSON body if any, and the key that signed it.</summary>
public sealed record VerifiedRequest(string Region, JsonElement? Body, string AccessKeyId = "");

/// <summary>
/// What the control plane's operations share with Lambda's REST API: SigV4 (service <c>lambda</c>, the Invoke
/// endpoint's verifier), JSON bodies, ARNs, and Lambda's error shape (<c>x-amzn-ErrorType</c> and a body with
/// <c>Type</c>, <c>Message</c> and <c>__type</c>).
/// </summary>
public static class LambdaRequests
{
    /// <summary>The account every ARN names: there is one, this server.</summary>
    public const string AccountId = "000000000000";

    /// <summary>Control-plane bodies are small, but for CreateFunction's and UpdateFunctionCode's zip (<see cref="FunctionCodeApi"/>).</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>Lambda's JSON: property names as written, nulls left out.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Checks the signature (body included) and reads the body as JSON; answers the error to send when either fails.
    /// The body may hold <paramref name="maxBodyBytes"/> (<see cref="MaxBodyBytes"/> unless the operation takes a zip);
    /// over that, the error names <paramref name="operation"/> when given, as Lambda's does.
    /// </summary>
    public static async Task<(VerifiedRequest? Request, IResult? Error)> VerifyAsync(HttpContext context, SigV4Verifier verifier, int maxBodyBytes = MaxBodyBytes, string? operation = null)
    {
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        var auth = verifier.Begin(context.ToSigV4Request());
        if (auth.Failure is { } refused)
        {
            return (null, Error(StatusCodes.Status403Forbidden, refused.ErrorType!, refused.ErrorMessage!));
        }

        if (maxBodyBytes > MaxBodyBytes && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            // Kestrel's default limit (30 MB) is under Lambda's for a zip: raised for this request only, once its
            // headers passed. Twice the limit leaves room to drain an oversize body after the 413, as Invoke does.
            bodyLimit.MaxRequestBodySize = 2L * maxBodyBytes;
        }

        try
        {
            using var body = await SignedBody.ReadAsync(context.Request, maxBodyBytes, context.RequestAborted);
            var verified = auth.Complete(body.Sha256);
            if (!verified.Succeeded)
            {
                return (null, Error(StatusCodes.Status403Forbidden, verified.ErrorType!, verified.ErrorMessage!));
            }

            JsonElement? json = null;
            if (body.Length > 0)
            {
                try
                {
                    using var document = JsonDocument.Parse(body.Memory);
                    json = document.RootElement.Clone();
                }
                catch (JsonException)
                {
                    return (null, InvalidParameter("Could not parse request body into json."));
                }
            }

            return (new VerifiedRequest(verified.Region!, json, verified.AccessKeyId!), null);
        }
        catch (RequestBodyException ex) when (ex.Error == RequestBodyError.TooLarge)
        {
            return (null, operation is null
                ? Error(StatusCodes.Status413RequestEntityTooLarge, "RequestTooLargeException", $"Request must be smaller than {maxBodyBytes} bytes.")
                : Error(StatusCodes.Status413RequestEntityTooLarge, "RequestEntityTooLargeException", $"Request must be smaller than {maxBodyBytes} bytes for the {operation} operation"));
        }
        catch (RequestBodyException ex)
        {
            return (null, Error(StatusCodes.Status400BadRequest, "InvalidRequestContentException", ex.Message));
        }
    }

    /// <summary>A function's name from a name, a partial ARN (<c>000000000000:function:score</c>) or a full ARN.</summary>
    public static string FunctionName(string nameOrArn)
    {
        var parts = nameOrArn.Split(':');
        return parts.Length switch
        {
            >= 7 when parts[0] == "arn" => parts[6],
            >= 3 when parts[1] == "function" => parts[2],
            _ => parts[0],
        };
    }

    public static string FunctionArn(string region, string functionName) => $"arn:aws:lambda:{region}:{AccountId}:function:{functionName}";

    public static string StreamArn(string region, string streamName) => $"arn:aws:kinesis:{region}:{AccountId}:stream/{streamName}";

    public static IResult FunctionNotFound(string region, string name) =>
        Error(StatusCodes.Status404NotFound, "ResourceNotFoundException", $"Function not found: {FunctionArn(region, name)}");

    public static IResult InvalidParameter(string message) =>
        Error(StatusCodes.Status400BadRequest, "InvalidParameterValueException", message);

    /// <summary>Lambda's error shape: the type in <c>x-amzn-ErrorType</c> and in the body.</summary>
    public static IResult Error(int status, string type, string message) => new ErrorResult(status, type, message);

    public static IResult Ok(object value, int status = StatusCodes.Status200OK) => Results.Json(value, Json, statusCode: status);

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
