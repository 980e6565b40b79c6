using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Game.Server.Ingest;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Game.Server.Auth;

/// <summary>What a SigV4 check saw of the request: the parts the canonical request is built from.</summary>
/// <param name="Method">HTTP method, e.g. <c>POST</c>.</param>
/// <param name="RawPath">The path as sent on the wire (still percent-encoded), e.g. <c>/</c>.</param>
/// <param name="RawQuery">The query string as sent, without the leading <c>?</c>; empty when there is none.</param>
/// <param name="Headers">Request headers; names compare case-insensitively, a repeated header has several values.</param>
/// <param name="Body">The request body, hashed unless <c>x-amz-content-sha256</c> names an unsigned payload.</param>
public sealed record SigV4Request(
    string Method,
    string RawPath,
    string RawQuery,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Headers,
    ReadOnlyMemory<byte> Body);

/// <summary>Registration and request capture shared by the endpoints that speak AWS protocols (Kinesis, Lambda).</summary>
public static class SigV4Endpoints
{
    /// <summary>A verifier for one AWS service name, keyed by it, over the ingest key pair (<c>Ingest:AccessKeyId</c>/<c>SecretAccessKey</c>).</summary>
    public static IServiceCollection AddSigV4Verifier(this IServiceCollection services, string service)
    {
        services.TryAddSingleton(TimeProvider.System);
        return services.AddKeyedSingleton(service, (provider, _) =>
        {
            var options = provider.GetRequiredService<IOptions<IngestOptions>>().Value;
            return new SigV4Verifier(
                accessKeyId => accessKeyId == options.AccessKeyId ? options.SecretAccessKey : null,
                provider.GetRequiredService<TimeProvider>()) { Service = service };
        });
    }

    /// <summary>What SigV4 signs of an HTTP request: the raw path and query as sent, the headers, the body.</summary>
    public static SigV4Request ToSigV4Request(this HttpContext context, ReadOnlyMemory<byte> body) => new(
        context.Request.Method,
        context.Features.Get<IHttpRequestFeature>()?.RawTarget.Split('?')[0] ?? context.Request.Path.ToString(),
        context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : "",
        context.Request.Headers.ToDictionary(h => h.Key, h => (IReadOnlyList<string>)h.Value.Select(v => v ?? "").ToArray(), StringComparer.OrdinalIgnoreCase),
        body);
}

/// <summary>The outcome of a SigV4 check; on failure, the error AWS would answer and its message.</summary>
public sealed record SigV4Result(bool Succeeded, string? AccessKeyId, string? Region, string? ErrorType, string? ErrorMessage)
{
    public static SigV4Result Success(string accessKeyId, string region) => new(true, accessKeyId, region, null, null);

    public static SigV4Result Failure(string errorType, string message) => new(false, null, null, errorType, message);
}

/// <summary>
/// Verifies AWS Signature Version 4 in the <c>Authorization</c> header, as AWS services do: rebuilds the
/// canonical request and the string to sign, derives the signing key from the caller's secret and compares
/// signatures in constant time. Independent of any one service, so the Kinesis and Lambda endpoints share it.
/// </summary>
/// <remarks>
/// Not supported: presigned URLs (query-string authentication), session tokens, and path normalisation of
/// <c>.</c>/<c>..</c> segments. Errors follow AWS' JSON services: <c>MissingAuthenticationTokenException</c>,
/// <c>IncompleteSignatureException</c>, <c>UnrecognizedClientException</c>, <c>InvalidSignatureException</c>.
/// </remarks>
public sealed class SigV4Verifier(Func<string, string?> secretForAccessKey, TimeProvider time)
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>How far the request's timestamp may be from our clock, either way (AWS: 15 minutes).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(15);

    private const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>Service name the credential scope must name, or null to accept any.</summary>
    public string? Service { get; init; }

    public SigV4Result Verify(SigV4Request request)
    {
        var authorization = Header(request, "authorization");
        if (authorization is null)
        {
            return SigV4Result.Failure("MissingAuthenticationTokenException", "Missing Authentication Token");
        }

        if (!TryParseAuthorization(authorization, out var credential, out var signedHeaders, out var signature))
        {
            return SigV4Result.Failure("IncompleteSignatureException",
                $"Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters with algorithm {Algorithm}. Authorization={authorization}");
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request" || scope[0].Length == 0)
        {
            return SigV4Result.Failure("IncompleteSignatureException",
                $"Credential should be scoped to a valid region, not '{credential}'. Credential=AKID/yyyyMMdd/region/service/aws4_request");
        }

        var (accessKeyId, scopeDate, region, service) = (scope[0], scope[1], scope[2], scope[3]);
        var amzDate = Header(request, "x-amz-date");
        DateTimeOffset requestTime;
        if (amzDate is not null)
        {
            if (!DateTimeOffset.TryParseExact(amzDate, AmzDateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out requestTime))
            {
                return SigV4Result.Failure("IncompleteSignatureException", $"Date must be in ISO-8601 'basic format'. Got '{amzDate}'.");
            }
        }
        else if (Header(request, "date") is { } date && DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out requestTime))
        {
            amzDate = requestTime.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);
        }
        else
        {
            return SigV4Result.Failure("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }

        if (scopeDate != amzDate[..8])
        {
            return SigV4Result.Failure("InvalidSignatureException", $"Credential should be scoped to a valid date: the scope says {scopeDate}, the request {amzDate[..8]}.");
        }

        if (Service is not null && service != Service)
        {
            return SigV4Result.Failure("InvalidSignatureException", $"Credential should be scoped to correct service: '{Service}'.");
        }

        var signed = signedHeaders.Split(';');
        if (!signed.Contains("host"))
        {
            return SigV4Result.Failure("InvalidSignatureException", "'Host' must be a signed header.");
        }

        var now = time.GetUtcNow();
        if (requestTime < now - MaxClockSkew)
        {
            return SigV4Result.Failure("InvalidSignatureException",
                $"Signature expired: {amzDate} is now earlier than {Format(now - MaxClockSkew)} ({Format(now)} - 15 min.)");
        }

        if (requestTime > now + MaxClockSkew)
        {
            return SigV4Result.Failure("InvalidSignatureException",
                $"Signature not yet current: {amzDate} is still later than {Format(now + MaxClockSkew)} ({Format(now)} + 15 min.)");
        }

        // Unknown keys are told apart from bad signatures, as AWS does; both are refused before any work.
        if (secretForAccessKey(accessKeyId) is not { } secret)
        {
            return SigV4Result.Failure("UnrecognizedClientException", "The security token included in the request is invalid.");
        }

        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(request.Body.Span));
        var payloadHash = Header(request, "x-amz-content-sha256") ?? bodyHash;
        if (payloadHash != bodyHash)
        {
            // A signed hash that is not the body's would let a body be swapped under a valid signature.
            return SigV4Result.Failure("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        var canonicalRequest = CanonicalRequest(request, signed, payloadHash);
        var expected = Sign(secret, amzDate, scopeDate, region, service, canonicalRequest);
        if (signature.Length != expected.Length
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(signature), Encoding.ASCII.GetBytes(expected)))
        {
            return SigV4Result.Failure("InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        }

        return SigV4Result.Success(accessKeyId, region);
    }

    /// <summary>The canonical request of SigV4: method, URI, query, headers, signed header names, payload hash.</summary>
    public static string CanonicalRequest(SigV4Request request, IReadOnlyList<string> signedHeaders, string payloadHash)
    {
        var builder = new StringBuilder();
        builder.Append(request.Method.ToUpperInvariant()).Append('\n');
        builder.Append(CanonicalUri(request.RawPath)).Append('\n');
        builder.Append(CanonicalQuery(request.RawQuery)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var values = request.Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value ?? [];
            builder.Append(name).Append(':').Append(string.Join(',', values.Select(TrimHeaderValue))).Append('\n');
        }

        builder.Append('\n').Append(string.Join(';', signedHeaders)).Append('\n');
        builder.Append(payloadHash);
        return builder.ToString();
    }

    /// <summary>The signature (lower-case hex) of a canonical request, with the key derived from the secret.</summary>
    public static string Sign(string secret, string amzDate, string scopeDate, string region, string service, string canonicalRequest)
    {
        var stringToSign = string.Join('\n',
            Algorithm,
            amzDate,
            $"{scopeDate}/{region}/{service}/aws4_request",
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), scopeDate);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        return Convert.ToHexStringLower(Hmac(key, stringToSign));
    }

    /// <summary>
    /// Every service but S3 encodes the already-encoded path once more; an empty path is <c>/</c>.
    /// </summary>
    public static string CanonicalUri(string rawPath) =>
        rawPath.Length == 0 ? "/" : string.Join('/', rawPath.Split('/').Select(UriEncode));

    /// <summary>Parameters decoded, re-encoded the SigV4 way, and sorted by name, then value.</summary>
    public static string CanonicalQuery(string rawQuery)
    {
        if (rawQuery.Length == 0)
        {
            return "";
        }

        var pairs = rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p =>
            {
                var equals = p.IndexOf('=');
                var name = equals < 0 ? p : p[..equals];
                var value = equals < 0 ? "" : p[(equals + 1)..];
                return (Name: UriEncode(Uri.UnescapeDataString(name)), Value: UriEncode(Uri.UnescapeDataString(value)));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(p => p.Name + "=" + p.Value));
    }

    /// <summary>RFC 3986 encoding: everything but unreserved characters, with upper-case hex.</summary>
    public static string UriEncode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static bool TryParseAuthorization(string header, out string credential, out string signedHeaders, out string signature)
    {
        credential = signedHeaders = signature = "";
        if (!header.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var part in header[Algorithm.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                return false;
            }

            var value = part[(equals + 1)..];
            switch (part[..equals])
            {
                case "Credential":
                    credential = value;
                    break;
                case "SignedHeaders":
                    signedHeaders = value;
                    break;
                case "Signature":
                    signature = value;
                    break;
            }
        }

        return credential.Length > 0 && signedHeaders.Length > 0 && signature.Length > 0;
    }

    private static string? Header(SigV4Request request, string name) =>
        request.Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value is { Count: > 0 } values
            ? string.Join(',', values)
            : null;

    /// <summary>Trims a header value and collapses inner runs of spaces, as the canonical form requires.</summary>
    private static string TrimHeaderValue(string value)
    {
        var builder = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value.Trim())
        {
            if (c == ' ')
            {
                space = true;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
}
