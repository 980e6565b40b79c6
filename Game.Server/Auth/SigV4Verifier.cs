// Longer than our usual 300 lines on purpose: Signature Version 4 is one algorithm (header parsing, the canonical
// request, the string to sign, the key derivation and the fixed-time compare), and splitting it would make a reader
// follow one signature across files. The body streaming lives apart, in SignedBody.cs.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Game.Server.Auth;

/// <summary>What a SigV4 check saw of the request: the parts the canonical request is built from.</summary>
/// <param name="Method">HTTP method, e.g. <c>POST</c>.</param>
/// <param name="RawPath">The path as sent on the wire (still percent-encoded), e.g. <c>/</c>.</param>
/// <param name="RawQuery">The query string as sent, without the leading <c>?</c>; empty when there is none.</param>
/// <param name="Headers">Request headers; names compare case-insensitively, a repeated header has several values.</param>
/// <param name="Body">The request body, for <see cref="SigV4Verifier.Verify"/>; <see cref="SigV4Verifier.Begin"/> ignores it.</param>
/// <param name="Iam">The IAM action the request's route declares (endpoint metadata); null when it declares none.</param>
/// <param name="RouteValues">The route's values (a function's name, a mapping's UUID), which name the resource <paramref name="Iam"/> acts on.</param>
public sealed record SigV4Request(
    string Method,
    string RawPath,
    string RawQuery,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Headers,
    ReadOnlyMemory<byte> Body = default,
    IamAction? Iam = null,
    IReadOnlyDictionary<string, object?>? RouteValues = null);

/// <summary>
/// Decides, once a request's signature matched, whether its key may do what the request asks: null to let it
/// through, or the refusal (<c>AccessDeniedException</c>).
/// </summary>
public delegate SigV4Result? SigV4Authorizer(string accessKeyId, string region, SigV4Request request);

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
/// With <see cref="Authorize"/> set, a request whose signature matched is also checked against what its key may
/// do, in the same step, so no endpoint that verifies a signature can skip the check (docs/security.md).
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

    /// <summary>
    /// Called when a signature matched, before the result is a success; null (the default) authenticates only.
    /// The server sets <see cref="AccessKeys.AuthorizeRoute"/>.
    /// </summary>
    public SigV4Authorizer? Authorize { get; init; }

    /// <summary>Verifies a request whose body is at hand: <see cref="Begin"/>, then the body's hash.</summary>
    public SigV4Result Verify(SigV4Request request)
    {
        var pending = Begin(request);
        return pending.Failure ?? pending.Complete(SHA256.HashData(request.Body.Span));
    }

    /// <summary>
    /// Everything that can be checked before the body is read: the header's shape, the credential scope, the
    /// date and its skew, the key id, and, when <c>x-amz-content-sha256</c> declares the body's hash, the signature
    /// itself. An endpoint reads the body only when <see cref="SigV4Pending.Failure"/> is null, so an unsigned or
    /// foreign request costs no memory. Messages never repeat the header's value: it may hold credentials.
    /// </summary>
    public SigV4Pending Begin(SigV4Request request)
    {
        var authorization = Header(request, "authorization");
        if (authorization is null)
        {
            return Refuse("MissingAuthenticationTokenException", "Missing Authentication Token");
        }

        if (!TryParseAuthorization(authorization, out var credential, out var signedHeaders, out var signature))
        {
            return Refuse("IncompleteSignatureException",
                $"The Authorization header is not a valid AWS Signature Version 4 header: it needs the algorithm {Algorithm} followed by 'Credential', 'SignedHeaders' and 'Signature' parameters.");
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request" || scope[0].Length == 0)
        {
            return Refuse("IncompleteSignatureException",
                "The Authorization header's Credential must be scoped as AccessKeyId/yyyyMMdd/region/service/aws4_request.");
        }

        var (accessKeyId, scopeDate, region, service) = (scope[0], scope[1], scope[2], scope[3]);
        var amzDate = Header(request, "x-amz-date");
        DateTimeOffset requestTime;
        if (amzDate is not null)
        {
            if (!DateTimeOffset.TryParseExact(amzDate, AmzDateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out requestTime))
            {
                return Refuse("IncompleteSignatureException", "The X-Amz-Date header must be in ISO-8601 basic format (yyyyMMddTHHmmssZ).");
            }
        }
        else if (Header(request, "date") is { } date && DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out requestTime))
        {
            amzDate = requestTime.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);
        }
        else
        {
            return Refuse("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }

        if (scopeDate != amzDate[..8])
        {
            return Refuse("InvalidSignatureException", $"Credential should be scoped to a valid date: the request's date, {amzDate[..8]}.");
        }

        if (Service is not null && service != Service)
        {
            return Refuse("InvalidSignatureException", $"Credential should be scoped to correct service: '{Service}'.");
        }

        var signed = signedHeaders.Split(';');
        // Over HTTP/2 the host is the :authority pseudo-header, and clients sign that (the JavaScript SDK does).
        if (!signed.Contains("host") && !signed.Contains(":authority"))
        {
            return Refuse("InvalidSignatureException", "'Host' must be a signed header.");
        }

        var now = time.GetUtcNow();
        if (requestTime < now - MaxClockSkew)
        {
            return Refuse("InvalidSignatureException",
                $"Signature expired: {amzDate} is now earlier than {Format(now - MaxClockSkew)} ({Format(now)} - 15 min.)");
        }

        if (requestTime > now + MaxClockSkew)
        {
            return Refuse("InvalidSignatureException",
                $"Signature not yet current: {amzDate} is still later than {Format(now + MaxClockSkew)} ({Format(now)} + 15 min.)");
        }

        // Unknown keys are told apart from bad signatures, as AWS does; both are refused before any work.
        if (secretForAccessKey(accessKeyId) is not { } secret)
        {
            return Refuse("UnrecognizedClientException", "The security token included in the request is invalid.");
        }

        var pending = new SigV4Pending(request, signed, signature, secret, amzDate, scopeDate, region, service, accessKeyId,
            Header(request, "x-amz-content-sha256"), Authorize);
        if (pending.DeclaredHash is not { } declared)
        {
            return pending;
        }

        // A declared hash is signed: the signature can be checked now, and a wrong one never gets its body read;
        // nor does the body of a request its key may not make.
        return pending.CheckSignature(declared) is { } failure ? new SigV4Pending(failure)
            : Authorize?.Invoke(accessKeyId, region, request) is { } denied ? new SigV4Pending(denied)
            : pending;
    }

    private static SigV4Pending Refuse(string errorType, string message) => new(SigV4Result.Failure(errorType, message));

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

/// <summary>
/// A SigV4 check whose headers passed (or failed: <see cref="Failure"/>), waiting for the body's SHA-256, which the
/// endpoint computes while it streams the body in.
/// </summary>
public sealed class SigV4Pending
{
    private readonly SigV4Request? _request;
    private readonly string[] _signedHeaders = [];
    private readonly string _signature = "";
    private readonly string _secret = "";
    private readonly string _amzDate = "";
    private readonly string _scopeDate = "";
    private readonly string _region = "";
    private readonly string _service = "";
    private readonly string _accessKeyId = "";
    private readonly SigV4Authorizer? _authorize;

    internal SigV4Pending(SigV4Result failure) => Failure = failure;

    internal SigV4Pending(
        SigV4Request request, string[] signedHeaders, string signature, string secret, string amzDate, string scopeDate,
        string region, string service, string accessKeyId, string? declaredHash, SigV4Authorizer? authorize)
    {
        (_request, _signedHeaders, _signature, _secret, _amzDate, _scopeDate, _region, _service, _accessKeyId) =
            (request, signedHeaders, signature, secret, amzDate, scopeDate, region, service, accessKeyId);
        DeclaredHash = declaredHash;
        _authorize = authorize;
    }

    /// <summary>Why the request is refused already, before its body; null while it may still pass.</summary>
    public SigV4Result? Failure { get; }

    /// <summary>The body's hash as <c>x-amz-content-sha256</c> declares it (lower-case hex), if it does.</summary>
    public string? DeclaredHash { get; }

    /// <summary>The outcome, given the SHA-256 of the whole body as it arrived.</summary>
    public SigV4Result Complete(ReadOnlySpan<byte> bodySha256)
    {
        if (Failure is not null)
        {
            return Failure;
        }

        var bodyHash = Convert.ToHexStringLower(bodySha256);
        if (DeclaredHash is not null)
        {
            // The signature was checked against the declared hash already; a hash that is not the body's would
            // let a body be swapped under a valid signature.
            return DeclaredHash == bodyHash
                ? Authorized()
                : SigV4Result.Failure("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        return CheckSignature(bodyHash) ?? Authorized();
    }

    /// <summary>The signature matched: a success, unless the key may not make this request.</summary>
    private SigV4Result Authorized() =>
        _authorize?.Invoke(_accessKeyId, _region, _request!) ?? SigV4Result.Success(_accessKeyId, _region);

    /// <summary>Null when the signature matches the canonical request with this payload hash.</summary>
    internal SigV4Result? CheckSignature(string payloadHash)
    {
        var canonicalRequest = SigV4Verifier.CanonicalRequest(_request!, _signedHeaders, payloadHash);
        var expected = SigV4Verifier.Sign(_secret, _amzDate, _scopeDate, _region, _service, canonicalRequest);
        return _signature.Length == expected.Length
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(_signature), Encoding.ASCII.GetBytes(expected))
            ? null
            : SigV4Result.Failure("InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
    }
}
