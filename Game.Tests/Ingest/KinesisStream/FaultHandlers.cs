using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Game.Server.Ingest.KinesisStream;

namespace Game.Tests.Ingest.KinesisStream;

/// <summary>Counts the calls that reach the endpoint and those it answered with success, per operation.</summary>
public sealed class CountingHandler : DelegatingHandler
{
    public ConcurrentDictionary<string, int> Calls { get; } = new();

    public ConcurrentDictionary<string, int> Successes { get; } = new();

    public int CallsOf(string operation) => Calls.GetValueOrDefault(operation);

    public int SuccessesOf(string operation) => Successes.GetValueOrDefault(operation);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var operation = Operation(request);
        Calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            Successes.AddOrUpdate(operation, 1, (_, n) => n + 1);
        }

        return response;
    }

    public static string Operation(HttpRequestMessage request) =>
        request.Headers.TryGetValues("X-Amz-Target", out var targets) ? targets.First()[KinesisClient.TargetPrefix.Length..] : "";
}

/// <summary>Answers the first <paramref name="times"/> calls of an operation itself with Kinesis' throttling error (400), without forwarding them.</summary>
public sealed class ThrottlingHandler(string operation, int times) : DelegatingHandler
{
    private int _seen;

    public int Attempts => Volatile.Read(ref _seen);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (CountingHandler.Operation(request) == operation && Interlocked.Increment(ref _seen) <= times)
        {
            var response = new HttpResponseMessage(HttpStatusCode.BadRequest)
            {
                Content = new StringContent("""{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded for stream (injected)."}""",
                    Encoding.UTF8, KinesisClient.ContentType),
            };
            response.Headers.Add("x-amzn-RequestId", "injected");
            return Task.FromResult(response);
        }

        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Rewrites every DescribeStreamSummary answer's status, as a stream stuck in CREATING would answer.</summary>
public sealed class StreamStatusHandler(string status) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (CountingHandler.Operation(request) != "DescribeStreamSummary" || !response.IsSuccessStatusCode)
        {
            return response;
        }

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
        body["StreamDescriptionSummary"]!["StreamStatus"] = status;
        response.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, KinesisClient.ContentType);
        return response;
    }
}

/// <summary>
/// Refuses the first record for <paramref name="partitionKey"/> as Kinesis would under throttling: takes it out of
/// the PutRecords request (re-signed, so a SigV4-checking endpoint still accepts it), forwards the rest to the
/// real endpoint, and answers the taken record with ProvisionedThroughputExceededException in its place. The
/// endpoint never stores the refused record, so a resend that stores it is the only copy.
/// </summary>
public sealed class RefuseOneRecordHandler(string partitionKey, AWSCredentials credentials, string region) : DelegatingHandler
{
    private int _refused;

    public int Refused => Volatile.Read(ref _refused);

    /// <summary>How many records the PutRecords call held when the refusal was made.</summary>
    public int RecordsInRefusedCall { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (CountingHandler.Operation(request) != "PutRecords" || Refused > 0)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!;
        var records = body["Records"]!.AsArray();
        var index = records.Select((r, i) => (r, i)).FirstOrDefault(x => (string?)x.r!["PartitionKey"] == partitionKey, (null!, -1)).Item2;
        if (index < 0 || Interlocked.Exchange(ref _refused, 1) != 0)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        RecordsInRefusedCall = records.Count;
        records.RemoveAt(index);
        if (records.Count == 0)
        {
            // Kinesis refuses an empty PutRecords: the refused record was the call's only one, so answer for it here.
            return new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(
                    """{"FailedRecordCount":1,"Records":[{"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for shard (injected)."}]}""",
                    Encoding.UTF8, KinesisClient.ContentType),
            };
        }

        var forwarded = Encoding.UTF8.GetBytes(body.ToJsonString());
        var signed = new Dictionary<string, string>
        {
            ["host"] = request.RequestUri!.Authority,
            ["content-type"] = KinesisClient.ContentType,
            ["x-amz-target"] = KinesisClient.TargetPrefix + "PutRecords",
        };
        var immutable = await credentials.GetCredentialsAsync();
        var authorization = KinesisRequestSigner.Sign(signed, "POST", request.RequestUri.AbsolutePath, forwarded,
            immutable, region, KinesisClient.SigningService, DateTimeOffset.UtcNow);
        request.Content = new ByteArrayContent(forwarded);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(KinesisClient.ContentType);
        request.Headers.Remove("x-amz-date");
        request.Headers.TryAddWithoutValidation("x-amz-date", signed["x-amz-date"]);
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        var response = await base.SendAsync(request, cancellationToken);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
        answer["Records"]!.AsArray().Insert(index, new JsonObject
        {
            ["ErrorCode"] = "ProvisionedThroughputExceededException",
            ["ErrorMessage"] = "Rate exceeded for shard (injected).",
        });
        answer["FailedRecordCount"] = (int)answer["FailedRecordCount"]! + 1;
        response.Content = new StringContent(answer.ToJsonString(), Encoding.UTF8, KinesisClient.ContentType);
        return response;
    }
}
