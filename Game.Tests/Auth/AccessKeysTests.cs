using System.Globalization;
using System.Security.Cryptography;
using Game.Server.Auth;
using Game.Server.Ingest;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Game.Tests.Auth;

/// <summary>
/// Authorization as the server's verifiers do it, after the signature matched: the action a route declares, deny
/// by default for a route that declares none, and the per-request check of an endpoint such as Kinesis'.
/// </summary>
public sealed class AccessKeysTests
{
    private const string Path = "/2015-03-31/functions/score/invocations";
    private const string ScoreArn = "arn:aws:lambda:eu-west-1:000000000000:function:score";

    private static readonly DateTimeOffset Now = new(2026, 12, 2, 5, 0, 0, TimeSpan.Zero);

    private static readonly IamAction Invoke = IamAction.Of("lambda:InvokeFunction",
        (values, region) => $"arn:aws:lambda:{region}:000000000000:function:{values["functionName"]}");

    private readonly AccessKeys _keys = new(
        Options.Create(new IngestOptions()),
        Options.Create(new AuthOptions
        {
            Keys =
            {
                ["producer"] = new() { AccessKeyId = "AKIDPRODUCER", SecretAccessKey = "producer-secret", Actions = ["kinesis:PutRecord*"] },
                ["admin"] = new() { AccessKeyId = "AKIDADMIN", SecretAccessKey = "admin-secret", Actions = ["*"] },
                ["ranker"] = new()
                {
                    AccessKeyId = "AKIDRANKER", SecretAccessKey = "ranker-secret", Actions = ["lambda:InvokeFunction"],
                    Resources = ["arn:aws:lambda:*:*:function:player-rank"],
                },
            },
        }),
        NullLogger<AccessKeys>.Instance);

    [Theory]
    [InlineData("AKIDPRODUCER", "producer-secret")]
    [InlineData("AKIDRANKER", "ranker-secret")]
    public void Verify_RestrictedKeyOnARouteThatDeclaresNoAction_IsAccessDenied(string id, string secret)
    {
        var result = Verifier().Verify(Signed(id, secret, iam: null));

        Assert.Equal("AccessDeniedException", result.ErrorType);
        Assert.Equal(
            $"User: arn:aws:iam::000000000000:user/{_keys.Find(id)!.Name} is not authorized to perform this request (POST {Path}): this server declares no IAM action for it, so only a key allowed every action (\"*\") may make it.",
            result.ErrorMessage);
    }

    [Theory]
    [InlineData("AKIDADMIN", "admin-secret")]
    [InlineData("AKIDGAMELOCAL", "game-local-secret")]
    public void Verify_KeyWithEveryActionOnARouteThatDeclaresNoAction_Succeeds(string id, string secret) =>
        Assert.True(Verifier().Verify(Signed(id, secret, iam: null)).Succeeded);

    [Fact]
    public void Verify_DeclaredActionOnAResourceTheKeyIsNotGiven_IsAccessDeniedNamingTheResource()
    {
        var result = Verifier().Verify(Signed("AKIDRANKER", "ranker-secret", Invoke));

        Assert.False(result.Succeeded);
        Assert.Equal("AccessDeniedException", result.ErrorType);
        Assert.Equal(
            $"User: arn:aws:iam::000000000000:user/ranker is not authorized to perform: lambda:InvokeFunction on resource: {ScoreArn} because no identity-based policy allows the lambda:InvokeFunction action",
            result.ErrorMessage);
    }

    [Fact]
    public void Verify_DeclaredActionOnTheKeysResource_Succeeds() =>
        Assert.True(Verifier().Verify(Signed("AKIDRANKER", "ranker-secret", Invoke, function: "player-rank")).Succeeded);

    [Fact]
    public void Verify_EndpointThatChecksEachRequestItself_PassesTheVerifier() =>
        Assert.True(Verifier().Verify(Signed("AKIDPRODUCER", "producer-secret", IamAction.CheckedByEndpoint)).Succeeded);

    [Fact]
    public void Verify_WrongSecretForAKeyThatMayNotDoThis_IsInvalidSignatureNotAccessDenied() =>
        Assert.Equal("InvalidSignatureException", Verifier().Verify(Signed("AKIDPRODUCER", "not-the-secret", Invoke)).ErrorType);

    [Fact]
    public void Begin_DeclaredBodyHashAndAnActionTheKeyMayNotTake_IsRefusedBeforeTheBodyIsRead()
    {
        var pending = Verifier().Begin(Signed("AKIDPRODUCER", "producer-secret", Invoke, declareHash: true));

        Assert.Equal("AccessDeniedException", pending.Failure?.ErrorType);
    }

    [Fact]
    public void Begin_DeclaredBodyHashAndAnActionTheKeyMayTake_WaitsForTheBody()
    {
        var pending = Verifier().Begin(Signed("AKIDRANKER", "ranker-secret", Invoke, function: "player-rank", declareHash: true));

        Assert.Null(pending.Failure);
        Assert.True(pending.Complete(SHA256.HashData("{}"u8)).Succeeded);
    }

    [Fact]
    public void Refusal_ActionTheKeyIsGiven_IsNull() =>
        Assert.Null(_keys.Refusal("AKIDPRODUCER", "kinesis:PutRecords", () => "arn:aws:kinesis:us-east-1:000000000000:stream/motion"));

    [Fact]
    public void Refusal_ActionTheKeyIsNotGiven_IsAwsMessage() =>
        Assert.Equal(
            "User: arn:aws:iam::000000000000:user/producer is not authorized to perform: kinesis:GetRecords on resource: arn:aws:kinesis:us-east-1:000000000000:stream/motion because no identity-based policy allows the kinesis:GetRecords action",
            _keys.Refusal("AKIDPRODUCER", "kinesis:GetRecords", () => "arn:aws:kinesis:us-east-1:000000000000:stream/motion"));

    [Fact]
    public void Refusal_KeyWithEveryAction_NeverWorksOutTheResource() =>
        Assert.Null(_keys.Refusal("AKIDGAMELOCAL", "kinesis:GetRecords", () => throw new InvalidOperationException("the resource was read")));

    private SigV4Verifier Verifier() =>
        new(id => _keys.Find(id)?.SecretAccessKey, new FixedTime(Now)) { Service = "lambda", Authorize = _keys.AuthorizeRoute };

    /// <summary>A POST to <see cref="Path"/> with body <c>{}</c>, signed for eu-west-1 as an SDK signs it.</summary>
    private static SigV4Request Signed(string accessKeyId, string secret, IamAction? iam, string function = "score", bool declareHash = false)
    {
        var body = "{}"u8.ToArray();
        var hash = Convert.ToHexStringLower(SHA256.HashData(body));
        var amzDate = Now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["host"] = ["127.0.0.1:5000"],
            ["x-amz-date"] = [amzDate],
        };
        if (declareHash)
        {
            headers["x-amz-content-sha256"] = [hash];
        }

        var signedHeaders = headers.Keys.Order(StringComparer.Ordinal).ToArray();
        var path = Path.Replace("score", function, StringComparison.Ordinal);
        var request = new SigV4Request("POST", path, "", headers, body, iam, new Dictionary<string, object?> { ["functionName"] = function });
        var signature = SigV4Verifier.Sign(secret, amzDate, amzDate[..8], "eu-west-1", "lambda", SigV4Verifier.CanonicalRequest(request, signedHeaders, hash));
        headers["authorization"] = [$"{SigV4Verifier.Algorithm} Credential={accessKeyId}/{amzDate[..8]}/eu-west-1/lambda/aws4_request, SignedHeaders={string.Join(';', signedHeaders)}, Signature={signature}"];
        return request;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
