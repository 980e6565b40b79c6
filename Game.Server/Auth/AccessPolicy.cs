namespace Game.Server.Auth;

/// <summary>
/// What one key pair may do, as one IAM identity-based statement: <c>Allow</c> these actions on these resources.
/// An action is IAM's name (<c>kinesis:PutRecords</c>, <c>lambda:InvokeFunction</c>), a resource an ARN; both may
/// hold IAM's wildcards, <c>*</c> (any run of characters, none included) and <c>?</c> (one character). As in IAM,
/// actions compare without regard to case and resources with it, and an operation that acts on no named resource
/// (ListStreams, ListFunctions) has the resource <c>*</c>, which only a <c>*</c> pattern matches.
/// </summary>
/// <remarks>Pure logic: no I/O, no configuration; <see cref="AccessKeys"/> builds one per configured key.</remarks>
public sealed class AccessPolicy
{
    /// <param name="actions">Action patterns; a request must match one.</param>
    /// <param name="resources">Resource (ARN) patterns; a request must match one. Empty: every resource, as <c>*</c>.</param>
    public AccessPolicy(IEnumerable<string> actions, IEnumerable<string> resources)
    {
        Actions = [.. actions];
        Resources = [.. resources];
        AllowsEverything = Actions.Contains("*") && (Resources.Count == 0 || Resources.Contains("*"));
    }

    /// <summary>Every action on every resource: the <c>Ingest:AccessKeyId</c> pair's policy.</summary>
    public static AccessPolicy Everything { get; } = new(["*"], []);

    public IReadOnlyList<string> Actions { get; }

    public IReadOnlyList<string> Resources { get; }

    /// <summary>True when no request can be refused: <c>*</c> among the actions, and no resource limit.</summary>
    public bool AllowsEverything { get; }

    /// <summary>Whether the policy allows <paramref name="action"/> on <paramref name="resource"/> (an ARN, or <c>*</c>).</summary>
    public bool Allows(string action, string resource) =>
        AllowsEverything
        || (Actions.Any(pattern => Matches(pattern, action, ignoreCase: true))
            && (Resources.Count == 0 || Resources.Any(pattern => Matches(pattern, resource, ignoreCase: false))));

    /// <summary>
    /// IAM's wildcard match over the whole value: <c>*</c> any run of characters (none included), <c>?</c> exactly
    /// one. Greedy with one backtrack point, so linear in practice and never exponential, whatever the pattern.
    /// </summary>
    public static bool Matches(string pattern, string value, bool ignoreCase)
    {
        int p = 0, v = 0, star = -1, resume = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                // Remember where the star was and try it empty first; widen it by one character on a mismatch.
                star = p++;
                resume = v;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], value[v], ignoreCase)))
            {
                p++;
                v++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static bool Same(char a, char b, bool ignoreCase) =>
        a == b || (ignoreCase && char.ToUpperInvariant(a) == char.ToUpperInvariant(b));
}
