using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Game.Server.Ingest.KinesisStream;

/// <summary>
/// A Kinesis stream as the server's stream (<c>Ingest:Kinesis</c>, with <c>Ingest:Provider=Kinesis</c>): where the
/// endpoint is, how the client retries, and how the producer gathers appends into PutRecords calls. The stream's
/// name and shard count are <c>Ingest:StreamName</c> and <c>Ingest:ShardCount</c>.
/// </summary>
public sealed class KinesisStreamOptions
{
    public const string Section = "Ingest:Kinesis";

    /// <summary>Any Kinesis endpoint (kinesalite, another node's embedded stream, a VPC endpoint), e.g. <c>http://127.0.0.1:4567</c>. Set this or <see cref="Region"/>, not both.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>An AWS region, e.g. <c>eu-west-1</c>: the endpoint is <c>https://kinesis.&lt;region&gt;.amazonaws.com</c>. Set this or <see cref="ServiceUrl"/>, not both.</summary>
    public string? Region { get; set; }

    /// <summary>The region requests to <see cref="ServiceUrl"/> are signed for. Default <c>us-east-1</c>.</summary>
    [RegularExpression("^[a-z0-9-]{1,32}$")]
    public string AuthenticationRegion { get; set; } = "us-east-1";

    /// <summary>
    /// A key pair to sign with, for an endpoint outside AWS (kinesalite, another node: its <c>Ingest:AccessKeyId</c>).
    /// Default unset: the AWS SDK's default chain (environment, shared profile, container or instance role).
    /// </summary>
    public string? AccessKeyId { get; set; }

    /// <summary>The secret that goes with <see cref="AccessKeyId"/>.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>How long start-up waits for the stream to be ACTIVE before the server stops, seconds. Default 60.</summary>
    [Range(1, 3600)]
    public int ActiveTimeoutSeconds { get; set; } = 60;

    /// <summary>One HTTP call's time limit, seconds (then it counts as a failed attempt). Default 10.</summary>
    [Range(1, 300)]
    public int RequestTimeoutSeconds { get; set; } = 10;

    /// <summary>Retries of a call answered with throttling, a 5xx or no answer at all. Default 5.</summary>
    [Range(0, 50)]
    public int MaxRetries { get; set; } = 5;

    /// <summary>Backoff before the first retry, milliseconds; it doubles per retry, and each wait is a random share of it (full jitter). Default 100.</summary>
    [Range(1, 60_000)]
    public int RetryBaseDelayMilliseconds { get; set; } = 100;

    /// <summary>The backoff's ceiling, milliseconds. Default 5,000.</summary>
    [Range(1, 300_000)]
    public int RetryMaxDelayMilliseconds { get; set; } = 5000;

    /// <summary>How long the producer waits for more appends before it sends a PutRecords call that is not full, milliseconds. Default 5.</summary>
    [Range(0, 1000)]
    public int LingerMilliseconds { get; set; } = 5;

    /// <summary>Records per PutRecords call, at most. Default 500 (Kinesis' limit).</summary>
    [Range(1, 500)]
    public int MaxRecordsPerCall { get; set; } = 500;

    /// <summary>Data and partition keys per PutRecords call, at most, bytes. Default 5 MiB (the limit of older streams and emulators).</summary>
    [Range(1, 10 * 1024 * 1024)]
    public int MaxBytesPerCall { get; set; } = 5 * 1024 * 1024;

    /// <summary>PutRecords calls in flight at once. Default 4.</summary>
    [Range(1, 64)]
    public int MaxCallsInFlight { get; set; } = 4;

    /// <summary>Sends of one record (its first and its resends after a per-record refusal) before its append answers the refusal. Default 10.</summary>
    [Range(1, 1000)]
    public int MaxRecordAttempts { get; set; } = 10;

    /// <summary>Appends waiting in the producer, at most; beyond this an append is refused at once with ProvisionedThroughputExceededException. Default 100,000.</summary>
    [Range(1, 10_000_000)]
    public int MaxBufferedRecords { get; set; } = 100_000;

    /// <summary>
    /// How long a shard's reader waits before its next GetRecords call after one that brought the shard up to date
    /// (no records, or fewer than <see cref="GetRecordsLimit"/> with nothing behind), milliseconds. Default 200:
    /// Kinesis allows five GetRecords calls per second per shard, so 200 ms is the floor, and it keeps the delay
    /// from acknowledgement to function start within a poll (Lambda polls once a second). A reader that is behind
    /// reads again at once, within <see cref="MaxGetRecordsPerSecondPerShard"/>.
    /// </summary>
    [Range(0, 60_000)]
    public int PollIntervalMilliseconds { get; set; } = 200;

    /// <summary>
    /// GetRecords calls per second per shard this node makes at most, every mapping's reader together. Default 5
    /// (Kinesis' read limit per shard). With several nodes or other consumers on the stream, lower it so the sum
    /// stays within five.
    /// </summary>
    [Range(1, 100)]
    public int MaxGetRecordsPerSecondPerShard { get; set; } = 5;

    /// <summary>Records one GetRecords call asks for, at most. Default 10,000 (Kinesis' limit).</summary>
    [Range(1, 10_000)]
    public int GetRecordsLimit { get; set; } = 10_000;

    /// <summary>The endpoint requests go to.</summary>
    public Uri Endpoint => ServiceUrl is { Length: > 0 } url
        ? new Uri(url)
        : new Uri($"https://kinesis.{Region}.{(Region!.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com")}/");

    /// <summary>The region requests are signed for.</summary>
    public string SigningRegion => ServiceUrl is { Length: > 0 } ? AuthenticationRegion : Region!;
}

/// <summary>
/// Checks the provider-specific rules at start, with messages that name the setting: the endpoint (exactly one
/// of ServiceUrl and Region), the key pair (both or neither) and the ranges of <c>Ingest:Kinesis</c>.
/// </summary>
public sealed class IngestProviderValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Provider))
        {
            failures.Add($"Ingest:Provider must be Embedded or Kinesis, not {options.Provider}.");
        }

        var kinesis = options.Kinesis;
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(kinesis, new ValidationContext(kinesis), results, validateAllProperties: true))
        {
            failures.AddRange(results.Select(r => $"{string.Join(", ", r.MemberNames.Select(m => $"{KinesisStreamOptions.Section}:{m}"))}: {r.ErrorMessage}"));
        }

        if (options.Provider == IngestProvider.Kinesis)
        {
            var hasUrl = !string.IsNullOrWhiteSpace(kinesis.ServiceUrl);
            var hasRegion = !string.IsNullOrWhiteSpace(kinesis.Region);
            if (hasUrl == hasRegion)
            {
                failures.Add(hasUrl
                    ? "Ingest:Kinesis:ServiceUrl and Ingest:Kinesis:Region are both set: with Ingest:Provider=Kinesis set exactly one (ServiceUrl for any endpoint, Region for AWS)."
                    : "Ingest:Provider=Kinesis needs Ingest:Kinesis:ServiceUrl (any Kinesis endpoint) or Ingest:Kinesis:Region (AWS); neither is set.");
            }

            if (hasUrl && !(Uri.TryCreate(kinesis.ServiceUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            {
                failures.Add($"Ingest:Kinesis:ServiceUrl must be an absolute http(s) URL, not '{kinesis.ServiceUrl}'.");
            }

            if (hasRegion && !Regex.IsMatch(kinesis.Region!, "^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$"))
            {
                failures.Add($"Ingest:Kinesis:Region must be an AWS region such as eu-west-1, not '{kinesis.Region}'.");
            }

            if (string.IsNullOrEmpty(kinesis.AccessKeyId) != string.IsNullOrEmpty(kinesis.SecretAccessKey))
            {
                failures.Add("Ingest:Kinesis:AccessKeyId and Ingest:Kinesis:SecretAccessKey go together: set both, or neither to use the AWS SDK's default credential chain.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
