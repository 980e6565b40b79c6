using System.Security.Cryptography;
using System.Text;
using Game.Server.Auth;

namespace Game.Tests.Auth;

/// <summary>
/// The verifier against AWS' published SigV4 test suite (2015 edition: key AKIDEXAMPLE, date
/// 20150830T123600Z, region us-east-1, service <c>service</c>), then its refusals.
/// </summary>
public sealed class SigV4VerifierTests
{
    private const string AccessKeyId = "AKIDEXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Host = "example.amazonaws.com";
    private const string AmzDate = "20150830T123600Z";
    private const string Scope = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("get-vanilla", "GET", "", "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("post-vanilla", "POST", "", "host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    [InlineData("get-vanilla-query-order-key-case", "GET", "Param2=value2&Param1=value1", "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")]
    [InlineData("get-header-value-trim", "GET", "", "host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736")]
    public void Verify_AwsTestSuiteCase_Succeeds(string name, string method, string query, string signedHeaders, string signature)
    {
        var headers = SuiteHeaders();
        if (name == "get-header-value-trim")
        {
            headers["My-Header1"] = [" value1"];
            headers["My-Header2"] = ["\"a   b   c\""];
        }

        headers["Authorization"] = [$"AWS4-HMAC-SHA256 {Scope}, SignedHeaders={signedHeaders}, Signature={signature}"];
        var result = Verifier(SuiteTime).Verify(Request(method, query, headers));

        Assert.True(result.Succeeded, $"{name}: {result.ErrorType}: {result.ErrorMessage}");
        Assert.Equal(AccessKeyId, result.AccessKeyId);
        Assert.Equal("us-east-1", result.Region);
    }

    [Fact]
    public void CanonicalRequest_GetVanilla_IsTheSuitesCanonicalRequest()
    {
        var canonical = SigV4Verifier.CanonicalRequest(Request("GET", "", SuiteHeaders()), ["host", "x-amz-date"], EmptyHash);

        Assert.Equal($"GET\n/\n\nhost:{Host}\nx-amz-date:{AmzDate}\n\nhost;x-amz-date\n{EmptyHash}", canonical);
        // The suite's string to sign carries this hash of the canonical request.
        Assert.Equal("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
    }

    [Fact]
    public void Sign_GetVanilla_IsTheSuitesSignature() =>
        Assert.Equal(
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            SigV4Verifier.Sign(Secret, AmzDate, "20150830", "us-east-1", "service",
                $"GET\n/\n\nhost:{Host}\nx-amz-date:{AmzDate}\n\nhost;x-amz-date\n{EmptyHash}"));

    [Theory]
    [InlineData("", "/")]
    [InlineData("/", "/")]
    [InlineData("/a b/c", "/a%20b/c")]
    [InlineData("/a%20b", "/a%2520b")]
    public void CanonicalUri_NonS3Service_EncodesTheSentPathAgain(string rawPath, string expected) =>
        Assert.Equal(expected, SigV4Verifier.CanonicalUri(rawPath));

    [Fact]
    public void CanonicalQuery_UnsortedAndEncoded_IsSortedAndReencoded() =>
        Assert.Equal("a=1&b=x%20y&b=z&c=%2A", SigV4Verifier.CanonicalQuery("c=*&b=z&a=1&b=x%20y"));

    [Fact]
    public void Verify_WrongSecret_IsInvalidSignature()
    {
        var result = Verifier(SuiteTime, secret: "another-secret").Verify(SignedVanilla());

        Assert.False(result.Succeeded);
        Assert.Equal("InvalidSignatureException", result.ErrorType);
    }

    [Fact]
    public void Verify_AlteredSignature_IsInvalidSignature()
    {
        var headers = SuiteHeaders();
        headers["Authorization"] = [$"AWS4-HMAC-SHA256 {Scope}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf30"];

        Assert.Equal("InvalidSignatureException", Verifier(SuiteTime).Verify(Request("GET", "", headers)).ErrorType);
    }

    [Fact]
    public void Verify_AlteredBody_IsInvalidSignature()
    {
        var request = SignedVanilla() with { Body = "tampered"u8.ToArray() };

        Assert.Equal("InvalidSignatureException", Verifier(SuiteTime).Verify(request).ErrorType);
    }

    [Fact]
    public void Verify_UnknownAccessKey_IsUnrecognizedClient()
    {
        var verifier = new SigV4Verifier(_ => null, new FixedTime(SuiteTime));

        Assert.Equal("UnrecognizedClientException", verifier.Verify(SignedVanilla()).ErrorType);
    }

    [Fact]
    public void Verify_NoAuthorization_IsMissingAuthenticationToken() =>
        Assert.Equal("MissingAuthenticationTokenException", Verifier(SuiteTime).Verify(Request("GET", "", SuiteHeaders())).ErrorType);

    [Fact]
    public void Verify_MalformedAuthorization_IsIncompleteSignature()
    {
        var headers = SuiteHeaders();
        headers["Authorization"] = [$"AWS4-HMAC-SHA256 {Scope}"];

        Assert.Equal("IncompleteSignatureException", Verifier(SuiteTime).Verify(Request("GET", "", headers)).ErrorType);
    }

    [Theory]
    [InlineData(-16, "Signature not yet current")]
    [InlineData(16, "Signature expired")]
    public void Verify_ClockMoreThan15MinutesOff_IsRefused(int minutesFromRequest, string message)
    {
        var result = Verifier(SuiteTime.AddMinutes(minutesFromRequest)).Verify(SignedVanilla());

        Assert.Equal("InvalidSignatureException", result.ErrorType);
        Assert.StartsWith(message, result.ErrorMessage);
    }

    [Theory]
    [InlineData(-14)]
    [InlineData(14)]
    public void Verify_ClockWithin15Minutes_Succeeds(int minutesFromRequest) =>
        Assert.True(Verifier(SuiteTime.AddMinutes(minutesFromRequest)).Verify(SignedVanilla()).Succeeded);

    [Fact]
    public void Verify_ServiceOtherThanRequired_IsRefused()
    {
        var verifier = new SigV4Verifier(_ => Secret, new FixedTime(SuiteTime)) { Service = "kinesis" };

        Assert.Equal("InvalidSignatureException", verifier.Verify(SignedVanilla()).ErrorType);
    }

    [Fact]
    public void Verify_HostNotSigned_IsRefused()
    {
        var headers = SuiteHeaders();
        headers["Authorization"] = [$"AWS4-HMAC-SHA256 {Scope}, SignedHeaders=x-amz-date, Signature=00"];

        Assert.Equal("InvalidSignatureException", Verifier(SuiteTime).Verify(Request("GET", "", headers)).ErrorType);
    }

    [Fact]
    public void Verify_ContentSha256HeaderNotTheBodysHash_IsRefused()
    {
        // Signed correctly over the declared hash, which is not the (empty) body's: the body was swapped.
        var declared = new string('0', 64);
        var headers = SuiteHeaders();
        headers["x-amz-content-sha256"] = [declared];
        var signature = SigV4Verifier.Sign(Secret, AmzDate, "20150830", "us-east-1", "service",
            SigV4Verifier.CanonicalRequest(Request("GET", "", headers), ["host", "x-amz-content-sha256", "x-amz-date"], declared));
        headers["Authorization"] = [$"AWS4-HMAC-SHA256 {Scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}"];

        var result = Verifier(SuiteTime).Verify(Request("GET", "", headers));

        Assert.Equal("InvalidSignatureException", result.ErrorType);
        Assert.Contains("x-amz-content-sha256", result.ErrorMessage);
    }

    private static SigV4Verifier Verifier(DateTimeOffset now, string secret = Secret) =>
        new(key => key == AccessKeyId ? secret : null, new FixedTime(now));

    private static Dictionary<string, IReadOnlyList<string>> SuiteHeaders() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Host"] = [Host],
        ["X-Amz-Date"] = [AmzDate],
    };

    private static SigV4Request SignedVanilla()
    {
        var headers = SuiteHeaders();
        headers["Authorization"] = [$"AWS4-HMAC-SHA256 {Scope}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"];
        return Request("GET", "", headers);
    }

    private static SigV4Request Request(string method, string query, Dictionary<string, IReadOnlyList<string>> headers) =>
        new(method, "/", query, headers, ReadOnlyMemory<byte>.Empty);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
