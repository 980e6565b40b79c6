using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Polly;
using Polly.Retry;

namespace Game.Server.Ingest.KinesisStream;

/// <summary>
/// A Kinesis Data Streams client on <see cref="HttpClient"/>: the JSON 1.1 protocol (<c>POST /</c>,
/// <c>X-Amz-Target: Kinesis_20131202.&lt;Op&gt;</c>), SigV4-signed with credentials from AWSSDK.Core, error answers
/// thrown as <see cref="KinesisServiceException"/> subclasses. Throttling, 5xx answers, timeouts and lost
/// connections are retried with exponential backoff and full jitter (a random wait between zero and
/// base × 2^retry, capped), each attempt signed anew; other errors reach the caller at once.
/// </summary>
/// <remarks>AWSSDK.Kinesis is not available here; this covers the operations the server needs.</remarks>
public sealed partial class KinesisClient
{
    /// <summary>The name of the <see cref="HttpClient"/> this client is built on (<c>IHttpClientFactory</c>).</summary>
    public const string HttpClientName = "kinesis";

    /// <summary>The key of the <see cref="AWSCredentials"/> service the client signs with.</summary>
    public const string CredentialsKey = "kinesis";

    public const string TargetPrefix = "Kinesis_20131202.";
    public const string ContentType = "application/x-amz-json-1.1";
    public const string SigningService = "kinesis";

    private readonly HttpClient _http;
    private readonly KinesisStreamOptions _options;
    private readonly AWSCredentials _credentials;
    private readonly TimeProvider _time;
    private readonly ILogger<KinesisClient> _logger;
    private readonly ResiliencePipeline _retry;
    private readonly Uri _endpoint;
    private readonly string _region;

    public KinesisClient(HttpClient http, KinesisStreamOptions options, AWSCredentials credentials, TimeProvider time, ILogger<KinesisClient> logger)
    {
        _http = http;
        _options = options;
        _credentials = credentials;
        _time = time;
        _logger = logger;
        _endpoint = options.Endpoint;
        _region = options.SigningRegion;
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                ShouldHandle = new PredicateBuilder()
                    .Handle<KinesisServiceException>(e => e.IsRetriable)
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutException>(),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Backoff(args.AttemptNumber)),
                OnRetry = args =>
                {
                    LogRetrying(_logger, args.Outcome.Exception?.Message, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }

        _retry = builder.Build();
    }

    /// <summary>Where requests go.</summary>
    public Uri Endpoint => _endpoint;

    /// <summary>Full jitter: a uniformly random wait in [0, min(max, base × 2^retry)] (AWS' "exponential backoff and jitter").</summary>
    public TimeSpan Backoff(int retry)
    {
        var ceiling = Math.Min(_options.RetryMaxDelayMilliseconds, _options.RetryBaseDelayMilliseconds * Math.Pow(2, Math.Min(retry, 30)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }

    /// <summary>Creates a stream; <see cref="ResourceInUseException"/> when it exists already.</summary>
    public Task CreateStreamAsync(string streamName, int shardCount, CancellationToken cancellationToken = default) =>
        CallAsync<CreateStreamRequest, object>("CreateStream", new CreateStreamRequest(streamName, shardCount), KinesisJsonContext.Default.CreateStreamRequest, null, cancellationToken);

    /// <summary>The stream's status and shape; <see cref="ResourceNotFoundException"/> when it does not exist.</summary>
    public async Task<StreamDescriptionSummary> DescribeStreamSummaryAsync(string streamName, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync("DescribeStreamSummary", new DescribeStreamSummaryRequest(streamName),
            KinesisJsonContext.Default.DescribeStreamSummaryRequest, KinesisJsonContext.Default.DescribeStreamSummaryResponse, cancellationToken);
        return response!.StreamDescriptionSummary;
    }

    /// <summary>One page of shards; follow <see cref="ListShardsResponse.NextToken"/> (without the stream name) for the next.</summary>
    public async Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken = default) =>
        (await CallAsync("ListShards", request, KinesisJsonContext.Default.ListShardsRequest, KinesisJsonContext.Default.ListShardsResponse, cancellationToken))!;

    /// <summary>Every shard of the stream, open and closed, page after page.</summary>
    /// <remarks><c>pageSize</c> is MaxResults per call; null for the endpoint's default (1,000 on Kinesis).</remarks>
    public async Task<IReadOnlyList<Shard>> ListAllShardsAsync(string streamName, int? pageSize = null, CancellationToken cancellationToken = default)
    {
        var shards = new List<Shard>();
        var page = await ListShardsAsync(new ListShardsRequest(StreamName: streamName, MaxResults: pageSize), cancellationToken);
        shards.AddRange(page.Shards);
        while (page.NextToken is { Length: > 0 } token)
        {
            page = await ListShardsAsync(new ListShardsRequest(NextToken: token, MaxResults: pageSize), cancellationToken);
            shards.AddRange(page.Shards);
        }

        return shards;
    }

    /// <summary>Writes up to 500 records; each answers on its own (a sequence number, or an error code to resend on).</summary>
    public async Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken = default) =>
        (await CallAsync("PutRecords", request, KinesisJsonContext.Default.PutRecordsRequest, KinesisJsonContext.Default.PutRecordsResponse, cancellationToken))!;

    /// <summary>
    /// Splits a shard in two (resharding). The stream is UPDATING until the children exist; the parent is closed and
    /// its readers reach SHARD_END after its last record. Not used by the server itself (operators reshard), but
    /// part of the client so tests and tools reshard through the same signed calls.
    /// </summary>
    public Task SplitShardAsync(SplitShardRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<SplitShardRequest, object>("SplitShard", request, KinesisJsonContext.Default.SplitShardRequest, null, cancellationToken);

    /// <summary>Merges two adjacent shards into one (resharding); both parents close, as with <see cref="SplitShardAsync"/>.</summary>
    public Task MergeShardsAsync(MergeShardsRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<MergeShardsRequest, object>("MergeShards", request, KinesisJsonContext.Default.MergeShardsRequest, null, cancellationToken);

    /// <summary>An iterator to read a shard from; it expires five minutes after it is issued (on Kinesis).</summary>
    public async Task<string> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default) =>
        (await CallAsync("GetShardIterator", request, KinesisJsonContext.Default.GetShardIteratorRequest, KinesisJsonContext.Default.GetShardIteratorResponse, cancellationToken))!.ShardIterator;

    /// <summary>Records after the iterator's position and the iterator to continue with.</summary>
    public async Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default) =>
        (await CallAsync("GetRecords", request, KinesisJsonContext.Default.GetRecordsRequest, KinesisJsonContext.Default.GetRecordsResponse, cancellationToken))!;

    /// <summary>Resolves the credentials once, so a missing or broken chain shows at start rather than at the first write.</summary>
    public async Task<ImmutableCredentials> ResolveCredentialsAsync() => await _credentials.GetCredentialsAsync();

    private async Task<TResponse?> CallAsync<TRequest, TResponse>(
        string operation,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse>? responseType,
        CancellationToken cancellationToken)
        where TResponse : class
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        return await _retry.ExecuteAsync(
            static async (state, token) => await state.Client.SendOnceAsync(state.Operation, state.Body, state.ResponseType, token),
            (Client: this, Operation: operation, Body: body, ResponseType: responseType),
            cancellationToken);
    }

    private async Task<TResponse?> SendOnceAsync<TResponse>(string operation, byte[] body, JsonTypeInfo<TResponse>? responseType, CancellationToken cancellationToken)
        where TResponse : class
    {
        var credentials = await _credentials.GetCredentialsAsync();
        var headers = new Dictionary<string, string>
        {
            ["host"] = _endpoint.Authority,
            ["content-type"] = ContentType,
            ["x-amz-target"] = TargetPrefix + operation,
        };
        var authorization = KinesisRequestSigner.Sign(headers, "POST", _endpoint.AbsolutePath, body, credentials, _region, SigningService, _time.GetUtcNow());

        using var message = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        foreach (var (name, value) in headers)
        {
            if (name is not ("host" or "content-type"))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        message.Headers.TryAddWithoutValidation("Authorization", authorization);

        // One attempt's time limit on the TimeProvider; the caller's own cancellation is not a timeout.
        using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(_options.RequestTimeoutSeconds), _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attempt.Token);
        HttpResponseMessage response;
        byte[] answer;
        try
        {
            response = await _http.SendAsync(message, linked.Token);
            answer = await response.Content.ReadAsByteArrayAsync(linked.Token);
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Kinesis {operation} got no answer from {_endpoint} within {_options.RequestTimeoutSeconds} s (Ingest:Kinesis:RequestTimeoutSeconds).");
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return responseType is null || answer.Length == 0 ? null : JsonSerializer.Deserialize(answer, responseType);
            }

            var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
            var type = response.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.FirstOrDefault() : null;
            string? errorMessage = null;
            try
            {
                if (answer.Length > 0 && JsonSerializer.Deserialize(answer, KinesisJsonContext.Default.KinesisErrorBody) is { } error)
                {
                    type = error.Type ?? type;
                    errorMessage = error.Message ?? error.CapitalMessage;
                }
            }
            catch (JsonException)
            {
                errorMessage = System.Text.Encoding.UTF8.GetString(answer.AsSpan(0, Math.Min(answer.Length, 512)));
            }

            throw KinesisServiceException.From(type, errorMessage, response.StatusCode, requestId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kinesis call failed ({Reason}); retry {Retry} in {DelayMs:F0} ms")]
    private static partial void LogRetrying(ILogger logger, string? reason, int retry, double delayMs);
}
