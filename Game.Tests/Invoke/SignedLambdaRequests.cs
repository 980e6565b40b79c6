using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Game.Server.Auth;

namespace Game.Tests.Invoke;

/// <summary>
/// Raw, SigV4-signed requests to the Lambda REST API (service <c>lambda</c>) through any <see cref="HttpClient"/>:
/// an in-process host's as well as a real server's. For C# tests that drive a scenario step by step; the SDK's own
/// answers are tested with Game.Tests/node.
/// </summary>
public sealed class SignedLambdaRequests(HttpClient http, string accessKeyId = "AKIDGAMELOCAL", string secretAccessKey = "game-local-secret")
{
    /// <summary>The answer: status, <c>x-amzn-RequestId</c>, and the body as JSON (an empty object when there is none).</summary>
    public sealed record Answer(int Status, string? RequestId, JsonElement Body);

    public Task<Answer> InvokeEventAsync(string functionName, object payload) =>
        SendAsync(HttpMethod.Post, $"/2015-03-31/functions/{functionName}/invocations", payload, ("X-Amz-Invocation-Type", "Event"));

    public Task<Answer> PutEventInvokeConfigAsync(string functionName, object config) =>
        SendAsync(HttpMethod.Put, $"/2019-09-25/functions/{functionName}/event-invoke-config", config);

    public Task<Answer> PutConcurrencyAsync(string functionName, int reserved) =>
        SendAsync(HttpMethod.Put, $"/2017-10-31/functions/{functionName}/concurrency", new { ReservedConcurrentExecutions = reserved });

    public Task<Answer> DeleteConcurrencyAsync(string functionName) =>
        SendAsync(HttpMethod.Delete, $"/2017-10-31/functions/{functionName}/concurrency", null);

    public async Task<Answer> SendAsync(HttpMethod method, string path, object? body, params (string Name, string Value)[] extraHeaders)
    {
        var bytes = body is null ? Array.Empty<byte>() : JsonSerializer.SerializeToUtf8Bytes(body);
        var amzDate = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var host = http.BaseAddress!.Authority;
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["host"] = [host],
            ["x-amz-date"] = [amzDate],
        };
        string[] signed = ["host", "x-amz-date"];
        var canonical = SigV4Verifier.CanonicalRequest(new SigV4Request(method.Method, path, "", headers, bytes), signed, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        var signature = SigV4Verifier.Sign(secretAccessKey, amzDate, amzDate[..8], "us-east-1", "lambda", canonical);

        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        foreach (var (name, value) in extraHeaders)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.TryAddWithoutValidation("Authorization",
            $"{SigV4Verifier.Algorithm} Credential={accessKeyId}/{amzDate[..8]}/us-east-1/lambda/aws4_request, SignedHeaders={string.Join(';', signed)}, Signature={signature}");
        using var response = await http.SendAsync(request);
        var answer = await response.Content.ReadAsByteArrayAsync();
        using var json = JsonDocument.Parse(answer.Length == 0 ? "{}"u8.ToArray() : answer);
        return new Answer(
            (int)response.StatusCode,
            response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.Single() : null,
            json.RootElement.Clone());
    }
}
