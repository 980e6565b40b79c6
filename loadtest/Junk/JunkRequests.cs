using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Game.Functions.Contracts;
using LoadTest.Kinesis;

namespace LoadTest.Junk;

/// <summary>
/// Sends one junk request of a <see cref="JunkShape"/> and reads how the server answered. Its own connections
/// (optionally from another loopback address, so the server's per-client limits count the junk apart from the honest
/// players' joins and reads, as they would count a stranger on the venue's Wi-Fi).
/// </summary>
public sealed class JunkRequests : IDisposable
{
    /// <summary>The oversize JSON body: four times the game API's 16 KiB limit.</summary>
    public const int OversizeJsonBytes = 64 * 1024;

    /// <summary>The unsigned Kinesis body: large enough that buffering it would show in the server's memory (issue #13.5).</summary>
    public const int UnsignedBodyBytes = 1024 * 1024;

    /// <summary>Join codes the server makes (docs/api.md): five of these letters and digits.</summary>
    private const string CodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

    private const string KinesisPutRecords = "Kinesis_20131202.PutRecords";

    private const string KinesisContentType = "application/x-amz-json-1.1";

    private static readonly byte[] UnsignedBody = Encoding.UTF8.GetBytes("{\"StreamName\":\"motion\",\"Records\":[{\"PartitionKey\":\"p\",\"Data\":\"" + new string('A', UnsignedBodyBytes - 80) + "\"}]}");

    private static readonly byte[] OversizeJson = Encoding.UTF8.GetBytes("{\"nickname\":\"" + new string('x', OversizeJsonBytes) + "\"}");

    private static readonly byte[] SmallPutRecords = Encoding.UTF8.GetBytes("{\"StreamName\":\"motion\",\"Records\":[{\"PartitionKey\":\"p\",\"Data\":\"AAAA\"}]}");

    private readonly Uri _url;
    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly string? _honestGameId;
    private readonly SigV4Signer _wrongSecret;

    /// <param name="url">The server.</param>
    /// <param name="source">The local address to send from (e.g. 127.0.0.2); null: the system's choice.</param>
    /// <param name="maxConnections">Connections at most, one per request in flight.</param>
    /// <param name="timeout">How long one request may wait for its answer before it counts as <c>timeout</c>.</param>
    /// <param name="time">The clock the bad signatures are dated by (they are current: only the signature is wrong).</param>
    /// <param name="honestGameId">The honest run's game, which a made-up code must never hit.</param>
    /// <param name="accessKeyId">The server's real key id, so a bad signature is refused for its signature.</param>
    public JunkRequests(Uri url, IPAddress? source, int maxConnections, TimeSpan timeout, TimeProvider time, string? honestGameId, string accessKeyId)
    {
        _url = url;
        _time = time;
        _honestGameId = honestGameId;
        _wrongSecret = new SigV4Signer(accessKeyId, "not-the-secret-" + Guid.NewGuid().ToString("N"), KinesisTarget.Region, "kinesis");
        _handler = new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections, ConnectTimeout = timeout };
        if (source is not null)
        {
            _handler.ConnectCallback = (context, cancellationToken) => ConnectFromAsync(source, context.DnsEndPoint, cancellationToken);
        }

        _http = new HttpClient(_handler, disposeHandler: false) { BaseAddress = url, Timeout = timeout };
    }

    /// <summary>Sends one request of <paramref name="shape"/>; never throws but for cancellation of <paramref name="cancellationToken"/>.</summary>
    public async Task<JunkAnswer> SendAsync(JunkShape shape, Random random, CancellationToken cancellationToken)
    {
        try
        {
            if (shape == JunkShape.PhoneForgedToken)
            {
                return await ForgedWebSocketAsync(random, cancellationToken);
            }

            using var request = Build(shape, random);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            // Read the answer whole, so the connection can carry the next request.
            await response.Content.CopyToAsync(Stream.Null, cancellationToken);
            var status = (int)response.StatusCode;
            var label = response.Headers.TryGetValues("x-amzn-ErrorType", out var types) && types.FirstOrDefault() is { Length: > 0 } type
                ? $"{status} {type.Split(':')[0]}"
                : status.ToString(CultureInfo.InvariantCulture);
            return new JunkAnswer(status, label);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new JunkAnswer(null, "timeout");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or WebSocketException or SocketException)
        {
            return new JunkAnswer(null, "no answer: " + ex.GetType().Name);
        }
    }

    private HttpRequestMessage Build(JunkShape shape, Random random)
    {
        if (shape == JunkShape.UnknownCodeScoreboard)
        {
            return new HttpRequestMessage(HttpMethod.Get, $"/api/games/{MadeUpCode(random)}/scoreboard");
        }

        if (shape == JunkShape.UnknownCodeJoin)
        {
            return Json($"/api/games/{MadeUpCode(random)}/players", Encoding.UTF8.GetBytes("{\"nickname\":\"junk\",\"team\":\"x\"}"));
        }

        if (shape == JunkShape.MalformedJson)
        {
            return Json($"/api/games/{MadeUpCode(random)}/players", "{\"nickname\":"u8.ToArray());
        }

        if (shape == JunkShape.OversizeJson)
        {
            return Json($"/api/games/{MadeUpCode(random)}/players", OversizeJson);
        }

        if (shape == JunkShape.KinesisUnsigned)
        {
            return KinesisRequest(UnsignedBody, authorization: null, amzDate: null);
        }

        if (shape == JunkShape.KinesisBadSignature)
        {
            var now = _time.GetUtcNow();
            var headers = new Dictionary<string, string>
            {
                ["host"] = _url.Authority,
                ["content-type"] = KinesisContentType,
                ["x-amz-date"] = SigV4Signer.AmzDate(now),
                ["x-amz-target"] = KinesisPutRecords,
            };
            return KinesisRequest(SmallPutRecords, _wrongSecret.Authorization("POST", "/", headers, SHA256.HashData(SmallPutRecords), now), headers["x-amz-date"]);
        }

        if (shape == JunkShape.InvokeUnsigned)
        {
            return new HttpRequestMessage(HttpMethod.Post, "/2015-03-31/functions/score/invocations") { Content = new ByteArrayContent("{}"u8.ToArray()) };
        }

        if (shape == JunkShape.PhoneNoToken)
        {
            return new HttpRequestMessage(HttpMethod.Post, "/hubs/phone/negotiate?negotiateVersion=1");
        }

        throw new ArgumentOutOfRangeException(nameof(shape), shape.Name, "Not a junk shape this client sends over HTTP.");
    }

    private static HttpRequestMessage Json(string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }

    private static HttpRequestMessage KinesisRequest(byte[] body, string? authorization, string? amzDate)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(KinesisContentType);
        var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = content };
        request.Headers.TryAddWithoutValidation("X-Amz-Target", KinesisPutRecords);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return request;
    }

    /// <summary>A WebSocket upgrade of the phone hub with a made-up token; the refusal's status is read from the failed handshake.</summary>
    private async Task<JunkAnswer> ForgedWebSocketAsync(Random random, CancellationToken cancellationToken)
    {
        var scheme = _url.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        var uri = new Uri($"{scheme}://{_url.Authority}{HubPaths.Phone}?access_token={Convert.ToBase64String(RandomBytes(random, 48))}");
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var invoker = new HttpMessageInvoker(_handler, disposeHandler: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_http.Timeout);
        try
        {
            await socket.ConnectAsync(uri, invoker, timeout.Token);
        }
        catch (WebSocketException) when (socket.HttpStatusCode != 0)
        {
            return new JunkAnswer((int)socket.HttpStatusCode, ((int)socket.HttpStatusCode).ToString(CultureInfo.InvariantCulture));
        }

        // Accepted: the forged token got in, which the report flags. Leave politely.
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
        return new JunkAnswer((int)socket.HttpStatusCode, ((int)socket.HttpStatusCode).ToString(CultureInfo.InvariantCulture));
    }

    private string MadeUpCode(Random random)
    {
        while (true)
        {
            var code = string.Create(5, random, static (chars, r) =>
            {
                for (var i = 0; i < chars.Length; i++)
                {
                    chars[i] = CodeAlphabet[r.Next(CodeAlphabet.Length)];
                }
            });
            if (!string.Equals(code, _honestGameId, StringComparison.OrdinalIgnoreCase))
            {
                return code;
            }
        }
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static async ValueTask<Stream> ConnectFromAsync(IPAddress source, DnsEndPoint target, CancellationToken cancellationToken)
    {
        var socket = new Socket(source.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(target, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _handler.Dispose();
    }
}
