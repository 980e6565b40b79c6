using System.Text.RegularExpressions;
using Game.Server.Ingest;
using Microsoft.Extensions.Options;

namespace Game.Server.Auth;

/// <summary>
/// Key pairs beyond the <c>Ingest:AccessKeyId</c>/<c>SecretAccessKey</c> pair, each limited to the actions (and
/// optionally the resources) it may act on: <c>Auth:Keys:&lt;name&gt;:AccessKeyId</c>, <c>SecretAccessKey</c>,
/// <c>Actions</c>, <c>Resources</c> (docs/security.md, "Key pairs and permissions"). Default: none, so the ingest pair,
/// which may do everything, is the only one.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The key pairs by name; the name is the IAM user refusals name (<c>arn:aws:iam::000000000000:user/&lt;name&gt;</c>).</summary>
    public Dictionary<string, AccessKeyOptions> Keys { get; set; } = [];
}

/// <summary>One key pair and what it may do (<c>Auth:Keys:&lt;name&gt;</c>).</summary>
public sealed class AccessKeyOptions
{
    /// <summary>The access key id clients sign with: letters and digits, unique among all key pairs. Required.</summary>
    public string AccessKeyId { get; set; } = "";

    /// <summary>The secret that goes with <see cref="AccessKeyId"/>; at least 8 characters. Required.</summary>
    public string SecretAccessKey { get; set; } = "";

    /// <summary>
    /// IAM action names the key may perform: <c>kinesis:PutRecords</c>, <c>kinesis:*</c>, <c>lambda:InvokeFunction</c>,
    /// <c>lambda:Get*</c>, or <c>*</c> for every action. Required (a key that may do nothing is a mistake).
    /// </summary>
    public List<string> Actions { get; set; } = [];

    /// <summary>
    /// ARN patterns of what the actions may act on, e.g. <c>arn:aws:lambda:*:*:function:player-rank</c> or
    /// <c>arn:aws:kinesis:*:*:stream/motion</c>. Default empty: every resource.
    /// </summary>
    public List<string> Resources { get; set; } = [];
}

/// <summary>
/// Checks <c>Auth:Keys</c> at start, each message naming the setting: a key id missing, malformed or used twice
/// (the ingest pair's included), a secret missing or short, no actions, an action of a service this server does not
/// have, a resource that is not an ARN. Mistakes here must stop the server: a key that silently allows nothing is
/// a support call, and one that silently allows more than meant is a hole.
/// </summary>
public sealed partial class AuthOptionsValidator(IOptions<IngestOptions> ingest) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal) { [ingest.Value.AccessKeyId] = "Ingest:AccessKeyId" };
        foreach (var (keyName, key) in options.Keys.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            var setting = $"{AuthOptions.Section}:Keys:{keyName}";
            if (!UserName().IsMatch(keyName))
            {
                failures.Add($"{setting}: the name must be 1 to 64 letters, digits or + = , . @ _ - (it names the IAM user in refusals).");
            }

            if (string.IsNullOrEmpty(key.AccessKeyId))
            {
                failures.Add($"{setting}:AccessKeyId is missing: give every key pair its own access key id.");
            }
            else if (!KeyId().IsMatch(key.AccessKeyId))
            {
                failures.Add($"{setting}:AccessKeyId must be 1 to 128 letters and digits, not '{key.AccessKeyId}'.");
            }
            else if (!ids.TryAdd(key.AccessKeyId, $"{setting}:AccessKeyId"))
            {
                failures.Add($"{setting}:AccessKeyId '{key.AccessKeyId}' is already {ids[key.AccessKeyId]}: every key pair needs its own access key id.");
            }

            if (string.IsNullOrEmpty(key.SecretAccessKey))
            {
                failures.Add($"{setting}:SecretAccessKey is missing: a key pair without a secret would sign for anyone.");
            }
            else if (key.SecretAccessKey.Length < 8)
            {
                failures.Add($"{setting}:SecretAccessKey is shorter than 8 characters.");
            }

            if (key.Actions.Count == 0)
            {
                failures.Add($"{setting}:Actions is empty: list the IAM actions this key may take, e.g. [\"kinesis:PutRecords\"] (a list, not one string).");
            }

            for (var i = 0; i < key.Actions.Count; i++)
            {
                if (ActionProblem(key.Actions[i]) is { } problem)
                {
                    failures.Add($"{setting}:Actions:{i} is '{key.Actions[i]}': {problem}");
                }
            }

            for (var i = 0; i < key.Resources.Count; i++)
            {
                if (key.Resources[i] != "*" && !ResourceArn().IsMatch(key.Resources[i]))
                {
                    failures.Add($"{setting}:Resources:{i} is '{key.Resources[i]}': a resource is an ARN such as arn:aws:lambda:*:*:function:player-rank (wildcards * and ? allowed), or * for every resource.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Null for <c>*</c> or <c>kinesis:</c>/<c>lambda:</c> followed by an operation name (wildcards allowed); else what is wrong.</summary>
    internal static string? ActionProblem(string action)
    {
        if (action == "*")
        {
            return null;
        }

        var colon = action.IndexOf(':');
        if (colon <= 0)
        {
            return "an action is an IAM action name such as kinesis:PutRecords or lambda:InvokeFunction, or * for every action.";
        }

        var service = action[..colon];
        if (!AccessKeys.Services.Contains(service, StringComparer.OrdinalIgnoreCase))
        {
            return $"this server has no service '{service}': its actions start with {string.Join(" or ", AccessKeys.Services.Select(s => s + ":"))}, or are * for every action.";
        }

        return OperationName().IsMatch(action[(colon + 1)..])
            ? null
            : $"after '{service}:' comes an operation name such as PutRecords or InvokeFunction (letters, wildcards * and ?).";
    }

    /// <summary>IAM user names: what AWS accepts, so the ARN in a refusal is one AWS could have written.</summary>
    [GeneratedRegex("^[A-Za-z0-9_+=,.@-]{1,64}$")]
    private static partial Regex UserName();

    /// <summary>As <c>Ingest:AccessKeyId</c>: SigV4's credential scope is split on '/', so only letters and digits.</summary>
    [GeneratedRegex("^[A-Za-z0-9]{1,128}$")]
    private static partial Regex KeyId();

    [GeneratedRegex(@"^[A-Za-z*?]+$")]
    private static partial Regex OperationName();

    /// <summary><c>arn:partition:service:region:account:resource</c>; any part may be a wildcard, the resource part is required.</summary>
    [GeneratedRegex("^arn:[^:]*:[^:]*:[^:]*:[^:]*:.+$")]
    private static partial Regex ResourceArn();
}
