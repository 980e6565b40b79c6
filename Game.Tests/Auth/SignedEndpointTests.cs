using System.Collections.Concurrent;
using System.Formats.Cbor;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Game.Server.Auth;
using Game.Server.Ingest.Kinesis;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Game.Tests.Auth;

/// <summary>The real host in process, its logs captured: what the SigV4-signed endpoints do before a body is read.</summary>
public sealed class SignedEndpointFixture : IAsyncLifetime
{
    private readonly InProcessServer _server = new(new Dictionary<string, string?>(), []);
    private WebApplicationFactory<Program> _factory = null!;

    public ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>Per request (by its <see cref="RequestIdHeader"/>), the body the server's own code read.</summary>
    public ConcurrentDictionary<string, CountingStream> BodiesRead { get; } = new();

    public const string RequestIdHeader = "x-test-request";

    public HttpClient Client { get; private set; } = null!;

    public Task InitializeAsync()
    {
        _factory = _server.WithWebHostBuilder(builder => builder
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new CapturingLoggerProvider(Logs)))
            .ConfigureServices(services => services.AddSingleton<IStartupFilter>(new CountingFilter(BodiesRead))));
        Client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        await _server.DisposeAsync();
    }

    /// <summary>First in the pipeline: counts what everything after it reads of each request's body.</summary>
    private sealed class CountingFilter(ConcurrentDictionary<string, CountingStream> bodies) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, proceed) =>
            {
                if (context.Request.Headers[RequestIdHeader].ToString() is { Length: > 0 } id)
                {
                    var counting = new CountingStream(context.Request.Body);
                    context.Request.Body = counting;
                    bodies[id] = counting;
                }

                return proceed(context);
            });
            next(app);
        };
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(logs);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(ConcurrentQueue<string> logs) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Enqueue(formatter(state, exception) + exception);
    }
}

public sealed class SignedEndpointTests(SignedEndpointFixture fixture) : IClassFixture<SignedEndpointFixture>
{
    private const string InvokePath = "/2015-03-31/functions/player-rank/invocations";

    /// <summary>The size of the flood's requests in issue #13.5.</summary>
    private const long FloodBodyBytes = 14 * 1024 * 1024;


    public static TheoryData<string?, int, string> Refusals => new()
    {
        // No Authorization at all.
        { null, 0, "MissingAuthenticationTokenException" },
        // A well-formed header with a key id the server does not know.
        { "AKIDSOMEONEELSE", 0, "UnrecognizedClientException" },
        // The right key id, signed yesterday: outside the 15-minute skew.
        { "AKIDGAMELOCAL", -1, "InvalidSignatureException" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Kinesis_FloodOfLargeRefusedRequests_AnswersEachWithoutReadingItsBody(string? accessKeyId, int days, string errorType)
    {
        // Issue #13.5: forty 14 MiB requests; each is refused from its headers alone.
        var at = DateTime.UtcNow.AddDays(days);
        var authorization = accessKeyId is null ? null : Authorization(accessKeyId, "kinesis", at);
        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => SendAsync("/", "kinesis", authorization, KinesisApi.JsonContentType, FloodBodyBytes, at)));

        Assert.All(answers, answer =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
            Assert.Equal(KinesisApi.JsonContentType, answer.ContentType);
            Assert.Equal(errorType, answer.Json.GetProperty("__type").GetString());
            Assert.Equal(0, answer.BodyRead);
        });
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Invoke_FloodOfLargeRefusedRequests_AnswersEachWithoutReadingItsBody(string? accessKeyId, int days, string errorType)
    {
        var at = DateTime.UtcNow.AddDays(days);
        var authorization = accessKeyId is null ? null : Authorization(accessKeyId, "lambda", at);
        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => SendAsync(InvokePath, "lambda", authorization, "application/json", FloodBodyBytes, at)));

        Assert.All(answers, answer =>
        {
            Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
            Assert.Equal(errorType, answer.Json.GetProperty("__type").GetString());
            Assert.Equal(errorType, answer.ErrorTypeHeader);
            Assert.Equal("User", answer.Json.GetProperty("Type").GetString());
            Assert.Equal(0, answer.BodyRead);
        });
    }

    [Fact]
    public async Task Kinesis_DeclaredLengthOverTheOperationsLimit_Answers413BeforeReadingTheBody()
    {
        // A known key id passes the header checks; GetRecords carries at most 2 MiB, and this one declares 14 MiB.
        var answer = await SendAsync("/", "kinesis", Authorization("AKIDGAMELOCAL", "kinesis", DateTime.UtcNow), KinesisApi.JsonContentType, FloodBodyBytes, DateTime.UtcNow, "GetRecords");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        Assert.Equal("ValidationException", answer.Json.GetProperty("__type").GetString());
        Assert.Equal(0, answer.BodyRead);
    }

    [Fact]
    public async Task Invoke_DeclaredLengthOverSixMegabytes_Answers413BeforeReadingTheBody()
    {
        var answer = await SendAsync(InvokePath, "lambda", Authorization("AKIDGAMELOCAL", "lambda", DateTime.UtcNow), "application/json", FloodBodyBytes, DateTime.UtcNow);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        Assert.Equal("RequestTooLargeException", answer.Json.GetProperty("__type").GetString());
        Assert.Equal(0, answer.BodyRead);
    }

    public static TheoryData<string, string> MalformedAuthorizations => new()
    {
        { "kinesis", "AWS4-HMAC-SHA256 Credential=AKIDGAMELOCAL/20261201/us-east-1/kinesis/aws4_request, Signature=sk-live-TOPSECRET-4f9d2c" },
        { "kinesis", "AWS4-HMAC-SHA256 Credential=sk-live-TOPSECRET-4f9d2c, SignedHeaders=host, Signature=00" },
        { "kinesis", "Bearer sk-live-TOPSECRET-4f9d2c" },
        { "lambda", "AWS4-HMAC-SHA256 Credential=AKIDGAMELOCAL/20261201/us-east-1/lambda/aws4_request, Signature=sk-live-TOPSECRET-4f9d2c" },
        { "lambda", "AWS4-HMAC-SHA256 Credential=sk-live-TOPSECRET-4f9d2c, SignedHeaders=host, Signature=00" },
    };

    [Theory]
    [MemberData(nameof(MalformedAuthorizations))]
    public async Task MalformedAuthorization_IsRefusedInWordsWithoutRepeatingIt(string service, string authorization)
    {
        // Issue #13.7: the header's value was echoed in the answer and written to the log.
        var answer = await SendAsync(service == "kinesis" ? "/" : InvokePath, service, authorization,
            service == "kinesis" ? KinesisApi.JsonContentType : "application/json", 2, DateTime.UtcNow);

        Assert.Equal(service == "kinesis" ? HttpStatusCode.BadRequest : HttpStatusCode.Forbidden, answer.Status);
        Assert.Equal("IncompleteSignatureException", answer.Json.GetProperty("__type").GetString());
        var message = answer.Json.GetProperty(service == "kinesis" ? "message" : "Message").GetString()!;
        Assert.StartsWith("The Authorization header", message);
        Assert.DoesNotContain("TOPSECRET", answer.Body);
        Assert.DoesNotContain(fixture.Logs, line => line.Contains("TOPSECRET", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kinesis_CborRequestWithNaN_AnswersSerializationExceptionInCbor()
    {
        // Issue #13.8: this answered 500 problem+json. A CBOR client reads errors in CBOR.
        var writer = new CborWriter();
        writer.WriteStartMap(4);
        foreach (var (name, value) in new[] { ("StreamName", "motion"), ("ShardId", "shardId-000000000000"), ("ShardIteratorType", "AT_TIMESTAMP") })
        {
            writer.WriteTextString(name);
            writer.WriteTextString(value);
        }

        writer.WriteTextString("Timestamp");
        writer.WriteTag(CborTag.UnixTimeSeconds);
        writer.WriteDouble(double.NaN);
        writer.WriteEndMap();

        using var response = await SendSignedKinesisAsync("GetShardIterator", KinesisCbor.ContentType, writer.Encode());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(KinesisCbor.ContentType, response.Content.Headers.ContentType?.MediaType);
        var reader = new CborReader(await response.Content.ReadAsByteArrayAsync());
        reader.ReadStartMap();
        Assert.Equal("__type", reader.ReadTextString());
        Assert.Equal("SerializationException", reader.ReadTextString());
    }

    [Fact]
    public async Task Kinesis_JsonRequestWithLoneSurrogate_AnswersSerializationExceptionInJson()
    {
        using var response = await SendSignedKinesisAsync("PutRecord", KinesisApi.JsonContentType,
            """{"StreamName":"motion","PartitionKey":"\ud800","Data":"AA=="}"""u8.ToArray());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(KinesisApi.JsonContentType, response.Content.Headers.ContentType?.MediaType);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("SerializationException", answer.RootElement.GetProperty("__type").GetString());
    }

    /// <summary>A correctly signed Kinesis request over the in-process transport (its Host is <c>localhost</c>).</summary>
    private async Task<HttpResponseMessage> SendSignedKinesisAsync(string operation, string contentType, byte[] body)
    {
        var amzDate = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["content-type"] = [contentType],
            ["host"] = ["localhost"],
            ["x-amz-date"] = [amzDate],
            ["x-amz-target"] = [KinesisApi.TargetPrefix + operation],
        };
        string[] signed = ["content-type", "host", "x-amz-date", "x-amz-target"];
        var canonical = SigV4Verifier.CanonicalRequest(new SigV4Request("POST", "/", "", headers), signed, Convert.ToHexStringLower(SHA256.HashData(body)));
        var signature = SigV4Verifier.Sign("game-local-secret", amzDate, amzDate[..8], "us-east-1", "kinesis", canonical);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", KinesisApi.TargetPrefix + operation);
        request.Headers.TryAddWithoutValidation("Authorization",
            $"{SigV4Verifier.Algorithm} Credential=AKIDGAMELOCAL/{amzDate[..8]}/us-east-1/kinesis/aws4_request, SignedHeaders={string.Join(';', signed)}, Signature={signature}");
        return await fixture.Client.SendAsync(request);
    }

    /// <summary>A well-formed header whose signature is never right; refusals before the body must not need it.</summary>
    private static string Authorization(string accessKeyId, string service, DateTime at) =>
        $"{SigV4Verifier.Algorithm} Credential={accessKeyId}/{at.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}/us-east-1/{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature={new string('a', 64)}";

    private async Task<Answer> SendAsync(string path, string service, string? authorization, string contentType, long bodyBytes, DateTime amzDate, string operation = "PutRecords")
    {
        var content = new ZerosContent(bodyBytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        var id = Guid.NewGuid().ToString("N");
        request.Headers.TryAddWithoutValidation(SignedEndpointFixture.RequestIdHeader, id);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        if (service == "kinesis")
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", KinesisApi.TargetPrefix + operation);
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await fixture.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return new Answer(
            response.StatusCode,
            response.Content.Headers.ContentType?.MediaType,
            response.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.Single() : null,
            body,
            JsonDocument.Parse(body).RootElement.Clone(),
            fixture.BodiesRead.TryRemove(id, out var read) ? read.BytesRead : -1);
    }

    private sealed record Answer(HttpStatusCode Status, string? ContentType, string? ErrorTypeHeader, string Body, JsonElement Json, long BodyRead);

    /// <summary>A body of zeros made up as it is sent, so a flood costs the test no memory; it declares its length.</summary>
    private sealed class ZerosContent(long length) : HttpContent
    {
        private static readonly byte[] Chunk = new byte[16 * 1024];

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var sent = 0L; sent < length; sent += Chunk.Length)
            {
                await stream.WriteAsync(Chunk.AsMemory(0, (int)Math.Min(Chunk.Length, length - sent)));
            }
        }

        protected override bool TryComputeLength(out long length1)
        {
            length1 = length;
            return true;
        }
    }
}

/// <summary>A read-only stream that counts the bytes read through it.</summary>
public sealed class CountingStream(Stream inner) : Stream
{
    private long _read;

    public long BytesRead => Interlocked.Read(ref _read);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int read)
    {
        Interlocked.Add(ref _read, read);
        return read;
    }
}
