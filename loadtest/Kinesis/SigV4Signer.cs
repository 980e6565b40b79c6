using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LoadTest.Kinesis;

/// <summary>
/// Signs requests with AWS Signature Version 4 (header form), as the AWS SDKs do: canonical request, string to
/// sign over the credential scope, signing key derived from the secret by date, region and service. Written from
/// the AWS documentation independently of the server's verifier, so the two check each other; the signer itself
/// is checked against AWS' published test vectors.
/// </summary>
/// <remarks>
/// Enough for a producer: no query strings, no session tokens, no path segments that need encoding.
/// </remarks>
public sealed class SigV4Signer(string accessKeyId, string secretAccessKey, string region, string service)
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    private const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>
    /// The <c>Authorization</c> header value for a request with these headers (all of them are signed; names
    /// compare case-insensitively) and a body whose SHA-256 is <paramref name="payloadSha256"/>.
    /// </summary>
    /// <remarks>The headers must include <c>host</c> and <c>x-amz-date</c> (see <see cref="AmzDate"/>) for the same <paramref name="signedAt"/>.</remarks>
    public string Authorization(string method, string path, IReadOnlyDictionary<string, string> headers, ReadOnlySpan<byte> payloadSha256, DateTimeOffset signedAt)
    {
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
            .Append(Convert.ToHexStringLower(payloadSha256))
            .ToString();

        var date = signedAt.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"{Algorithm}\n{AmzDate(signedAt)}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), date);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        var signature = Convert.ToHexStringLower(Hmac(key, stringToSign));
        return $"{Algorithm} Credential={accessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    /// <summary>The <c>x-amz-date</c> header value: basic ISO 8601 in UTC, e.g. <c>20150830T123600Z</c>.</summary>
    public static string AmzDate(DateTimeOffset at) => at.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
}
