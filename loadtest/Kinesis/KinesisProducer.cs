using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;

namespace LoadTest.Kinesis;

/// <summary>Where to put records and with which key pair.</summary>
public sealed record KinesisTarget(Uri Url, string StreamName, string AccessKeyId, string SecretAccessKey)
{
    /// <summary>Any region is accepted by the server; this is the one the tool signs for.</summary>
    public const string Region = "us-east-1";
}

/// <summary>A record's fate in a <c>PutRecords</c> answer: its sequence number, or the error Kinesis gave it.</summary>
public readonly record struct PutRecordResult(string? SequenceNumber, string? ErrorCode, string? ErrorMessage)
{
    public bool Succeeded => SequenceNumber is not null;
}

/// <summary>A whole request refused by the Kinesis API (HTTP 4xx/5xx with a <c>__type</c>), e.g. <c>InvalidSignatureException</c>.</summary>
public sealed class KinesisRequestException(string errorType, string message, HttpStatusCode status)
    : Exception($"{errorType}: {message}")
{
    public string ErrorType { get; } = errorType;

    public HttpStatusCode Status { get; } = status;
}

/// <summary>
/// Puts records into the server's stream through its Kinesis API, as a producer library such as the KPL does:
/// records from many phones queue up and leave in signed <c>PutRecords</c> calls of up to 500, with a few calls in
/// flight at once. No linger: a free sender takes whatever is queued, so batches grow with the load by themselves.
/// </summary>
/// <remarks>
/// Each record's task completes with its own result from the answer, so one throttled record is resent by its
/// phone alone. Records of one phone stay in order because a phone puts its next batch only after the last one
/// was answered.
/// </remarks>
public sealed class KinesisProducer : IAsyncDisposable
{
    /// <summary>Kinesis' limit on records per <c>PutRecords</c> call.</summary>
    public const int MaxRecordsPerRequest = 500;

    /// <summary>PutRecords calls in flight at once; more gains nothing against one local server on two cores.</summary>
    public const int Senders = 4;

    private const string Target = "Kinesis_20131202.PutRecords";
    private const string ContentType = "application/x-amz-json-1.1";

    private readonly Channel<PendingRecord> _queue = Channel.CreateUnbounded<PendingRecord>(new UnboundedChannelOptions { SingleReader = false });
    private readonly KinesisTarget _target;
    private readonly SigV4Signer _signer;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly Task[] _senders;
    private long _requests;

    public KinesisProducer(KinesisTarget target, TimeProvider time)
    {
        _target = target;
        _time = time;
        _signer = new SigV4Signer(target.AccessKeyId, target.SecretAccessKey, KinesisTarget.Region, "kinesis");
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Senders }) { BaseAddress = target.Url, Timeout = TimeSpan.FromSeconds(30) };
        _senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(SendLoopAsync)).ToArray();
    }

    /// <summary>PutRecords calls made so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>
    /// Queues a record; the task completes with its result once the call carrying it is answered, and faults
    /// (<see cref="KinesisRequestException"/>, <see cref="HttpRequestException"/>) when that whole call failed.
    /// </summary>
    public Task<PutRecordResult> PutAsync(string partitionKey, byte[] data, CancellationToken cancellationToken)
    {
        var record = new PendingRecord(partitionKey, data, new TaskCompletionSource<PutRecordResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(record))
        {
            throw new ObjectDisposedException(nameof(KinesisProducer));
        }

        return record.Result.Task.WaitAsync(cancellationToken);
    }

    private async Task SendLoopAsync()
    {
        var batch = new List<PendingRecord>(MaxRecordsPerRequest);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxRecordsPerRequest && _queue.Reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                var results = await PutRecordsAsync(batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Result.TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                foreach (var record in batch)
                {
                    record.Result.TrySetException(ex);
                }
            }
        }
    }

    private async Task<PutRecordResult[]> PutRecordsAsync(IReadOnlyList<PendingRecord> records)
    {
        var body = PutRecordsBody(_target.StreamName, records);
        var now = _time.GetUtcNow();
        var headers = new Dictionary<string, string>
        {
            ["content-type"] = ContentType,
            ["host"] = _target.Url.Authority,
            ["x-amz-date"] = SigV4Signer.AmzDate(now),
            ["x-amz-target"] = Target,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", headers["x-amz-date"]);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", Target);
        request.Headers.TryAddWithoutValidation("Authorization", _signer.Authorization("POST", "/", headers, SHA256.HashData(body), now));

        Interlocked.Increment(ref _requests);
        using var response = await _http.SendAsync(request);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        if (!response.IsSuccessStatusCode)
        {
            var root = answer.RootElement;
            throw new KinesisRequestException(
                root.TryGetProperty("__type", out var type) ? type.GetString() ?? "Unknown" : "Http" + (int)response.StatusCode,
                root.TryGetProperty("message", out var message) ? message.GetString() ?? "" : "",
                response.StatusCode);
        }

        return ReadResults(answer.RootElement, records.Count);
    }

    /// <summary>The JSON body of a <c>PutRecords</c> call, blobs in base64 as the JSON protocol has them.</summary>
    public static byte[] PutRecordsBody(string streamName, IReadOnlyList<PendingRecord> records)
    {
        var buffer = new ArrayBufferWriter<byte>(256 * records.Count + 64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("StreamName", streamName);
            json.WriteStartArray("Records");
            foreach (var record in records)
            {
                json.WriteStartObject();
                json.WriteBase64String("Data", record.Data);
                json.WriteString("PartitionKey", record.PartitionKey);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The answer's <c>Records</c>, one per record sent and in the same order.</summary>
    public static PutRecordResult[] ReadResults(JsonElement answer, int expected)
    {
        var records = answer.GetProperty("Records");
        if (records.GetArrayLength() != expected)
        {
            throw new InvalidDataException($"PutRecords answered {records.GetArrayLength()} records for {expected} sent.");
        }

        return records.EnumerateArray()
            .Select(r => r.TryGetProperty("SequenceNumber", out var sequence) && sequence.GetString() is { } s
                ? new PutRecordResult(s, null, null)
                : new PutRecordResult(null, r.TryGetProperty("ErrorCode", out var code) ? code.GetString() : "NoSequenceNumber", r.TryGetProperty("ErrorMessage", out var message) ? message.GetString() : null))
            .ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_senders);
        _http.Dispose();
    }

    /// <summary>A record waiting for a sender, and the completion its phone awaits.</summary>
    public sealed record PendingRecord(string PartitionKey, byte[] Data, TaskCompletionSource<PutRecordResult> Result);
}
