using System.Net;
using Amazon.Runtime;
using Game.Server.Ingest.KinesisStream;

namespace Game.Tests.Ingest.KinesisStream;

/// <summary>The client's SigV4 signing against AWS' published test suite, and its mapping of Kinesis error answers.</summary>
public sealed class KinesisRequestSignerTests
{
    private const string SuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string SuiteToken =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    [Fact]
    public void Sign_AwsSuitePostVanilla_IsTheSuitesAuthorization()
    {
        var headers = new Dictionary<string, string> { ["Host"] = "example.amazonaws.com" };

        var authorization = KinesisRequestSigner.Sign(headers, "POST", "/", [], new ImmutableCredentials("AKIDEXAMPLE", SuiteSecret, null), "us-east-1", "service", SuiteTime);

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            authorization);
        Assert.Equal("20150830T123600Z", headers["x-amz-date"]);
    }

    [Fact]
    public void Sign_AwsSuitePostStsHeaderAfter_SignsTheSessionTokenHeader()
    {
        var headers = new Dictionary<string, string> { ["Host"] = "example.amazonaws.com" };

        var authorization = KinesisRequestSigner.Sign(headers, "POST", "/", [], new ImmutableCredentials("AKIDEXAMPLE", SuiteSecret, SuiteToken), "us-east-1", "service", SuiteTime);

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
            authorization);
        Assert.Equal(SuiteToken, headers[KinesisRequestSigner.SecurityTokenHeader]);
    }

    [Theory]
    [InlineData("ResourceNotFoundException", typeof(ResourceNotFoundException), false)]
    [InlineData("ResourceInUseException", typeof(ResourceInUseException), false)]
    [InlineData("ProvisionedThroughputExceededException", typeof(ProvisionedThroughputExceededException), true)]
    [InlineData("ExpiredIteratorException", typeof(ExpiredIteratorException), false)]
    [InlineData("LimitExceededException", typeof(Game.Server.Ingest.KinesisStream.LimitExceededException), true)]
    [InlineData("InvalidArgumentException", typeof(InvalidArgumentException), false)]
    [InlineData("AccessDeniedException", typeof(KinesisAccessDeniedException), false)]
    [InlineData("UnrecognizedClientException", typeof(KinesisAccessDeniedException), false)]
    [InlineData("com.amazonaws.kinesis.v20131202#InvalidSignatureException", typeof(KinesisAccessDeniedException), false)]
    [InlineData("ThrottlingException:http://internal.amazon.com/coral/", typeof(KinesisThrottlingException), true)]
    [InlineData("ValidationException", typeof(KinesisServiceException), false)]
    public void From_ErrorType_IsItsExceptionAndRetriability(string type, Type expected, bool retriable)
    {
        var error = KinesisServiceException.From(type, "message", HttpStatusCode.BadRequest, "request-1");

        Assert.Equal((expected, retriable, "request-1"), (error.GetType(), error.IsRetriable, error.RequestId));
    }

    [Fact]
    public void From_InternalFailureOn500_IsRetriable()
    {
        var error = KinesisServiceException.From("InternalFailure", "boom", HttpStatusCode.InternalServerError, null);

        Assert.Equal((typeof(KinesisInternalFailureException), true, "InternalFailure"), (error.GetType(), error.IsRetriable, error.ErrorType));
    }

    [Fact]
    public void From_A503WithoutABody_IsAnInternalFailureToRetry()
    {
        var error = KinesisServiceException.From(null, null, HttpStatusCode.ServiceUnavailable, null);

        Assert.Equal((typeof(KinesisInternalFailureException), true), (error.GetType(), error.IsRetriable));
    }
}
