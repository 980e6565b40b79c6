using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace Game.Server.Ingest.KinesisStream;

/// <summary>
/// Signs a Kinesis JSON request with SigV4 (header form). The canonical request is built here, for exactly the
/// requests this client sends (<c>POST</c>, no query string, the headers below); the string to sign, the key
/// derivation and the HMAC are AWSSDK.Core's <see cref="AWS4Signer.ComputeSignature(ImmutableCredentials, string, DateTime, string, string, string)"/>.
/// Checked against AWS' published SigV4 test suite (post-vanilla, post-sts-header-after) and, end to end,
/// against the server's own verifier.
/// </summary>
public static class KinesisRequestSigner
{
    public const string SecurityTokenHeader = "x-amz-security-token";

    /// <summary>
    /// Adds <c>x-amz-date</c> (and <c>x-amz-security-token</c> for temporary credentials) to
    /// <paramref name="headers"/> and answers the <c>Authorization</c> header value. Every header in
    /// <paramref name="headers"/> is signed; it must hold <c>host</c>.
    /// </summary>
    public static string Sign(
        IDictionary<string, string> headers,
        string method,
        string path,
        ReadOnlySpan<byte> body,
        ImmutableCredentials credentials,
        string region,
        string service,
        DateTimeOffset signedAt)
    {
        headers["x-amz-date"] = signedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        if (credentials.UseToken)
        {
            headers[SecurityTokenHeader] = credentials.Token;
        }

        var sorted = headers
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(' ', h.Value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))))
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .ToList();
        var signedHeaders = string.Join(';', sorted.Select(h => h.Name));
        var canonicalRequest = new StringBuilder()
            .Append(method).Append('\n')
            .Append(path).Append('\n')
            .Append('\n') // no query string
            .AppendJoin("", sorted.Select(h => $"{h.Name}:{h.Value}\n")).Append('\n')
            .Append(signedHeaders).Append('\n')
            .Append(Convert.ToHexStringLower(SHA256.HashData(body)))
            .ToString();

        return AWS4Signer.ComputeSignature(credentials, region, signedAt.UtcDateTime, service, signedHeaders, canonicalRequest).ForAuthorizationHeader;
    }
}
