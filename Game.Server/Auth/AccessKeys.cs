using Game.Server.Ingest;
using Microsoft.Extensions.Options;

namespace Game.Server.Auth;

/// <summary>One key pair: its name (the IAM user refusals name), its credentials, and what it may do.</summary>
public sealed record AccessKey(string Name, string AccessKeyId, string SecretAccessKey, AccessPolicy Policy)
{
    /// <summary>The user AWS would name in a refusal.</summary>
    public string UserArn => $"arn:aws:iam::{AccessKeys.AccountId}:user/{Name}";
}

/// <summary>
/// The key pairs SigV4 requests are signed with, and what each may do: the <c>Ingest:AccessKeyId</c> pair with
/// every action (the development default, so nothing changes for a server configured as before), and each
/// <c>Auth:Keys:&lt;name&gt;</c> pair with its <see cref="AccessPolicy"/>. Authorization comes after the signature
/// matched, as in AWS: a wrong secret is still <c>InvalidSignatureException</c>, and only a caller who holds the
/// secret learns what the key may not do.
/// </summary>
public sealed partial class AccessKeys
{
    /// <summary>The account every ARN names: there is one, this server.</summary>
    public const string AccountId = "000000000000";

    /// <summary>The name the <c>Ingest:AccessKeyId</c> pair goes by.</summary>
    public const string IngestKeyName = "ingest";

    /// <summary>The error type both Kinesis (HTTP 400) and Lambda (HTTP 403) answer a refused action with.</summary>
    public const string DeniedErrorType = "AccessDeniedException";

    private readonly Dictionary<string, AccessKey> _keys = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public AccessKeys(IOptions<IngestOptions> ingest, IOptions<AuthOptions> auth, ILogger<AccessKeys> logger)
    {
        _logger = logger;
        _keys[ingest.Value.AccessKeyId] = new AccessKey(IngestKeyName, ingest.Value.AccessKeyId, ingest.Value.SecretAccessKey, AccessPolicy.Everything);
        foreach (var (name, key) in auth.Value.Keys)
        {
            // AuthOptionsValidator refused duplicate key ids at start.
            _keys[key.AccessKeyId] = new AccessKey(name, key.AccessKeyId, key.SecretAccessKey, new AccessPolicy(key.Actions, key.Resources));
        }
    }

    /// <summary>The services whose actions keys may be given (an action's prefix).</summary>
    public static IReadOnlyList<string> Services { get; } = ["kinesis", "lambda"];

    /// <summary>The key pair with this access key id, or null.</summary>
    public AccessKey? Find(string accessKeyId) => _keys.GetValueOrDefault(accessKeyId);

    /// <summary>
    /// For an endpoint that knows the action and resource only once it has read the request (Kinesis): null when
    /// the key may take <paramref name="action"/> on the resource, else the refusal's message. The resource is
    /// worked out only for a key that may not do everything.
    /// </summary>
    public string? Refusal(string accessKeyId, string action, Func<string> resource)
    {
        var key = Find(accessKeyId);
        if (key is { Policy.AllowsEverything: true })
        {
            return null;
        }

        var arn = resource();
        return key is not null && key.Policy.Allows(action, arn) ? null : Denied(User(key, accessKeyId), action, arn);
    }

    /// <summary>
    /// The <see cref="SigV4Authorizer"/> of the server's verifiers: the action the request's route declares
    /// (<see cref="IamAction"/>) on the resource it names; a route that declares none only for a key that may do
    /// everything; an endpoint that checks per request (<see cref="IamAction.CheckedByEndpoint"/>) passes here.
    /// </summary>
    public SigV4Result? AuthorizeRoute(string accessKeyId, string region, SigV4Request request)
    {
        var key = Find(accessKeyId);
        if (key is { Policy.AllowsEverything: true } || request.Iam is { Name: null })
        {
            return null;
        }

        if (request.Iam is not { Name: { } action } declared)
        {
            LogUndeclared(_logger, User(key, accessKeyId), request.Method, request.RawPath);
            return SigV4Result.Failure(DeniedErrorType,
                $"User: {User(key, accessKeyId)} is not authorized to perform this request ({request.Method} {request.RawPath}): this server declares no IAM action for it, so only a key allowed every action (\"*\") may make it.");
        }

        var resource = declared.Resource(request.RouteValues ?? new Dictionary<string, object?>(), region);
        return key is not null && key.Policy.Allows(action, resource)
            ? null
            : SigV4Result.Failure(DeniedErrorType, Denied(User(key, accessKeyId), action, resource));
    }

    private static string User(AccessKey? key, string accessKeyId) => key?.UserArn ?? accessKeyId;

    /// <summary>AWS' wording for an action no identity-based policy allows; logged, as a leaked key trying its luck shows there.</summary>
    private string Denied(string user, string action, string resource)
    {
        LogDenied(_logger, user, action, resource);
        return $"User: {user} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Access denied: {User} may not perform {Action} on {Resource}")]
    private static partial void LogDenied(ILogger logger, string user, string action, string resource);

    [LoggerMessage(Level = LogLevel.Information, Message = "Access denied: {User} may not make {Method} {Path}, which declares no IAM action (only keys allowed every action may)")]
    private static partial void LogUndeclared(ILogger logger, string user, string method, string path);
}
