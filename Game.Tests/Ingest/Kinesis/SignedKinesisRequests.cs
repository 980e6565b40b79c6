using System.Formats.Cbor;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Game.Server.Auth;
using Game.Server.Ingest.Kinesis;

namespace Game.Tests.Ingest.Kinesis;

/// <summary>A CBOR value as the tests inspect it: blobs stay byte arrays and tags stay visible.</summary>
public sealed record CborTagged(CborTag Tag, object? Value);

/// <summary>
/// Raw, SigV4-signed Kinesis requests, for what the JavaScript SDK cannot send (CBOR). Signs with the same
/// key derivation the AWS SDKs use, checked against AWS' test suite in <see cref="Auth.SigV4VerifierTests"/>. The
/// path is <c>/</c> for the Kinesis API, <see cref="KinesisApi.BaselinePath"/> for its do-nothing baseline.
/// </summary>
public sealed class SignedKinesisRequests(string endpoint, string accessKeyId, string secretAccessKey, string path = "/")
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public async Task<(int Status, string? ContentType, object? Body)> SendCborAsync(string operation, Action<CborWriter> writeBody)
    {
        var writer = new CborWriter();
        writeBody(writer);
        var (status, contentType, answer) = await SendAsync(operation, KinesisCbor.ContentType, writer.Encode());
        return (status, contentType, answer.Length == 0 ? null : Decode(new CborReader(answer, CborConformanceMode.Lax)));
    }

    /// <summary>A signed JSON request (application/x-amz-json-1.1), as the AWS SDKs send by default.</summary>
    public async Task<(int Status, JsonDocument Body)> SendJsonAsync(string operation, object body)
    {
        var (status, _, answer) = await SendAsync(operation, KinesisApi.JsonContentType, JsonSerializer.SerializeToUtf8Bytes(body));
        return (status, JsonDocument.Parse(answer.Length == 0 ? "{}"u8.ToArray() : answer));
    }

    private async Task<(int Status, string? ContentType, byte[] Body)> SendAsync(string operation, string contentType, byte[] body)
    {
        var amzDate = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["content-type"] = [contentType],
            ["host"] = [new Uri(endpoint).Authority],
            ["x-amz-date"] = [amzDate],
            ["x-amz-target"] = [KinesisApi.TargetPrefix + operation],
        };
        string[] signed = ["content-type", "host", "x-amz-date", "x-amz-target"];
        var canonical = SigV4Verifier.CanonicalRequest(new SigV4Request("POST", path, "", headers, body), signed, Convert.ToHexStringLower(SHA256.HashData(body)));
        var signature = SigV4Verifier.Sign(secretAccessKey, amzDate, amzDate[..8], "us-east-1", "kinesis", canonical);

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint + path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", KinesisApi.TargetPrefix + operation);
        request.Headers.TryAddWithoutValidation("Authorization",
            $"{SigV4Verifier.Algorithm} Credential={accessKeyId}/{amzDate[..8]}/us-east-1/kinesis/aws4_request, SignedHeaders={string.Join(';', signed)}, Signature={signature}");
        using var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>Maps become dictionaries, arrays lists, byte strings byte arrays, tags <see cref="CborTagged"/>.</summary>
    public static object? Decode(CborReader reader)
    {
        switch (reader.PeekState())
        {
            case CborReaderState.StartMap:
                reader.ReadStartMap();
                var map = new Dictionary<string, object?>();
                while (reader.PeekState() != CborReaderState.EndMap)
                {
                    map[reader.ReadTextString()] = Decode(reader);
                }

                reader.ReadEndMap();
                return map;
            case CborReaderState.StartArray:
                reader.ReadStartArray();
                var list = new List<object?>();
                while (reader.PeekState() != CborReaderState.EndArray)
                {
                    list.Add(Decode(reader));
                }

                reader.ReadEndArray();
                return list;
            case CborReaderState.TextString or CborReaderState.StartIndefiniteLengthTextString:
                return reader.ReadTextString();
            case CborReaderState.ByteString or CborReaderState.StartIndefiniteLengthByteString:
                return reader.ReadByteString();
            case CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger:
                return reader.ReadInt64();
            case CborReaderState.HalfPrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat:
                return reader.ReadDouble();
            case CborReaderState.Boolean:
                return reader.ReadBoolean();
            case CborReaderState.Tag:
                return new CborTagged(reader.ReadTag(), Decode(reader));
            default:
                reader.SkipValue();
                return null;
        }
    }
}
