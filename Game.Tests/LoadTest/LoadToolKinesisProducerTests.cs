using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Game.Server.Auth;
using Game.Server.Ingest.Kinesis;
using LoadTest.Kinesis;

namespace Game.Tests.LoadTest;

/// <summary>
/// The load tool's Kinesis producer: its SigV4 signer against AWS' published test suite and against the server's
/// own verifier (written separately, so each checks the other), and the PutRecords body and answer it speaks.
/// The whole path (signed calls, throttled records resent, scores verified) runs in <see cref="LoadToolSmokeTests"/>.
/// </summary>
public sealed class LoadToolKinesisProducerTests
{
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);
    private static readonly SigV4Signer SuiteSigner = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service");

    [Theory]
    [InlineData("GET", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("POST", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    public void Authorization_AwsSuiteVanillaRequest_IsTheSuitesHeader(string method, string signature)
    {
        var headers = new Dictionary<string, string> { ["Host"] = "example.amazonaws.com", ["X-Amz-Date"] = SigV4Signer.AmzDate(SuiteTime) };

        var authorization = SuiteSigner.Authorization(method, "/", headers, SHA256.HashData([]), SuiteTime);

        Assert.Equal($"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}", authorization);
    }

    [Fact]
    public void Authorization_HeaderValuesWithRunsOfSpaces_AreTrimmedAsTheSuiteDoes()
    {
        // AWS suite "get-header-value-trim".
        var headers = new Dictionary<string, string>
        {
            ["Host"] = "example.amazonaws.com",
            ["My-Header1"] = " value1",
            ["My-Header2"] = "\"a   b   c\"",
            ["X-Amz-Date"] = "20150830T123600Z",
        };

        var authorization = SuiteSigner.Authorization("GET", "/", headers, SHA256.HashData([]), SuiteTime);

        Assert.EndsWith("SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736", authorization);
    }

    [Theory]
    [InlineData("game-local-secret", true)]
    [InlineData("another-secret", false)]
    public void Authorization_OfAPutRecordsCall_IsWhatTheServersVerifierAccepts(string secret, bool accepted)
    {
        var now = DateTimeOffset.UtcNow;
        var body = Encoding.UTF8.GetBytes("""{"StreamName":"motion","Records":[]}""");
        var signed = new Dictionary<string, string>
        {
            ["content-type"] = KinesisApi.JsonContentType,
            ["host"] = "127.0.0.1:5000",
            ["x-amz-date"] = SigV4Signer.AmzDate(now),
            ["x-amz-target"] = KinesisApi.TargetPrefix + "PutRecords",
        };
        var authorization = new SigV4Signer("AKIDGAMELOCAL", secret, "eu-west-1", "kinesis").Authorization("POST", "/", signed, SHA256.HashData(body), now);
        var headers = signed.ToDictionary(h => h.Key, h => (IReadOnlyList<string>)[h.Value], StringComparer.OrdinalIgnoreCase);
        headers["authorization"] = [authorization];
        var verifier = new SigV4Verifier(key => key == "AKIDGAMELOCAL" ? "game-local-secret" : null, TimeProvider.System) { Service = "kinesis" };

        var result = verifier.Verify(new SigV4Request("POST", "/", "", headers, body));

        Assert.Equal(accepted, result.Succeeded);
        Assert.Equal(accepted ? null : "InvalidSignatureException", result.ErrorType);
    }

    [Fact]
    public void PutRecordsBody_TwoRecords_CarriesStreamKeysAndBase64DataInOrder()
    {
        var records = new[]
        {
            new KinesisProducer.PendingRecord("player-a", [1, 2, 3], new TaskCompletionSource<PutRecordResult>()),
            new KinesisProducer.PendingRecord("player-b", [255], new TaskCompletionSource<PutRecordResult>()),
        };

        using var body = JsonDocument.Parse(KinesisProducer.PutRecordsBody("motion", records));

        Assert.Equal("motion", body.RootElement.GetProperty("StreamName").GetString());
        var sent = body.RootElement.GetProperty("Records").EnumerateArray().Select(r => (r.GetProperty("PartitionKey").GetString(), r.GetProperty("Data").GetBytesFromBase64())).ToList();
        Assert.Equal(2, sent.Count);
        Assert.Equal(("player-a", "AQID"), (sent[0].Item1, Convert.ToBase64String(sent[0].Item2)));
        Assert.Equal(("player-b", "/w=="), (sent[1].Item1, Convert.ToBase64String(sent[1].Item2)));
    }

    [Fact]
    public void ReadResults_AnswerWithAThrottledRecord_GivesEachRecordItsOwnFate()
    {
        using var answer = JsonDocument.Parse("""
            {"FailedRecordCount":1,"Records":[
              {"SequenceNumber":"49590338271490256608559692538361571095921575989136588898","ShardId":"shardId-000000000000"},
              {"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for shard shardId-000000000001."}]}
            """);

        var results = KinesisProducer.ReadResults(answer.RootElement, expected: 2);

        Assert.True(results[0].Succeeded);
        Assert.False(results[1].Succeeded);
        Assert.Equal("ProvisionedThroughputExceededException", results[1].ErrorCode);
        Assert.Contains("Rate exceeded", results[1].ErrorMessage);
    }

    [Fact]
    public void ReadResults_FewerRecordsThanSent_IsRefusedRatherThanMisattributed() =>
        Assert.Throws<InvalidDataException>(() => KinesisProducer.ReadResults(JsonDocument.Parse("""{"Records":[{"SequenceNumber":"1"}]}""").RootElement, expected: 2));
}
