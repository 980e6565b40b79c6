using System.Buffers;
using System.Formats.Cbor;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Game.Server.Auth;

namespace Game.Server.Ingest.Kinesis;

/// <summary>PutRecord and PutRecords: validating records and appending them to the stream.</summary>
public sealed partial class KinesisOperations
{
    private async Task PutRecordAsync(KinesisRequest request, Utf8JsonWriter writer)
    {
        var partitionKey = request.String("PartitionKey");
        var data = KinesisRequest.Blob(request.Root, "Data");
        var explicitHashKey = request.String("ExplicitHashKey");
        request.String("SequenceNumberForOrdering");
        ValidateRecord(request, partitionKey, data, explicitHashKey, "");
        var stream = ResolveStream(request);
        request.ThrowIfInvalid();
        var record = new AppendRequest(partitionKey!, data!, ParseHashKey(explicitHashKey));

        var result = (await stream.Stream.AppendAsync([record]))[0];
        if (!result.Succeeded)
        {
            throw result.ErrorCode == "ProvisionedThroughputExceededException"
                ? new KinesisException(result.ErrorCode, result.ErrorMessage ?? "Rate exceeded.")
                : new KinesisException("InternalFailure", result.ErrorMessage ?? "Internal failure.", StatusCodes.Status500InternalServerError);
        }

        writer.WriteString("ShardId", result.ShardId);
        writer.WriteString("SequenceNumber", result.SequenceNumber);
        writer.WriteString("EncryptionType", "NONE");
    }

    private async Task PutRecordsAsync(KinesisRequest request, Utf8JsonWriter writer)
    {
        var entries = request.Array("Records");
        request.Required(entries, "records");
        var records = new List<AppendRequest>();
        long requestBytes = 0;
        if (entries is { } list)
        {
            var count = list.GetArrayLength();
            if (count is < 1 or > MaxPutRecordsCount)
            {
                request.Fail($"[{count} records]", "records",
                    count < 1 ? "Member must have length greater than or equal to 1" : $"Member must have length less than or equal to {MaxPutRecordsCount}");
            }

            var index = 0;
            foreach (var entry in list.EnumerateArray())
            {
                index++;
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    throw KinesisException.Serialization("Each of 'Records' must be an object.");
                }

                var partitionKey = KinesisRequest.String(entry, "PartitionKey");
                var data = KinesisRequest.Blob(entry, "Data");
                var explicitHashKey = KinesisRequest.String(entry, "ExplicitHashKey");
                ValidateRecord(request, partitionKey, data, explicitHashKey, $"records.{index}.member.");
                if (partitionKey is not null && data is not null)
                {
                    requestBytes += data.Length + Encoding.UTF8.GetByteCount(partitionKey);
                    records.Add(new AppendRequest(partitionKey, data, ExplicitHashKeyOrNull(explicitHashKey)));
                }
            }
        }

        var stream = ResolveStream(request);
        request.ThrowIfInvalid();
        foreach (var entry in entries!.Value.EnumerateArray())
        {
            ParseHashKey(KinesisRequest.String(entry, "ExplicitHashKey"));
        }

        if (requestBytes > _options.MaxRequestBytes)
        {
            throw KinesisException.InvalidArgument($"Records size exceeds {_options.MaxRequestBytes} bytes: the request holds {requestBytes} bytes of data and partition keys.");
        }

        // One call keeps the request's order within each shard.
        WritePutRecordsResults(writer, await stream.Stream.AppendAsync(records));
    }

    /// <summary>
    /// PutRecords for a request <see cref="PutRecordsReader"/> could read (what producers send in the steady state):
    /// the response body in the request's protocol, or null when the request is anything else, for
    /// <see cref="InvokeAsync"/> to answer. Both paths accept the same requests and answer them alike; this one skips
    /// the document, the per-record strings and, for CBOR, the translation to JSON and back.
    /// </summary>
    /// <param name="body">The request body: JSON, or CBOR when <paramref name="cbor"/>.</param>
    /// <param name="cbor">The request came as CBOR, and is answered so.</param>
    /// <param name="region">The region the request was signed for: the stream's ARN is in it.</param>
    /// <param name="refusal">The permission check for <c>kinesis:PutRecords</c> on a stream's ARN: null to allow, else the refusal's message.</param>
    public async Task<byte[]?> TryPutRecordsAsync(ReadOnlyMemory<byte> body, bool cbor, string region, Func<string, string?> refusal)
    {
        var input = cbor
            ? PutRecordsReader.TryReadCbor(body, _options.MaxRecordBytes, _options.MaxRequestBytes)
            : PutRecordsReader.TryRead(body.Span, _options.MaxRecordBytes, _options.MaxRequestBytes);
        if (input is null || _streams.Find(input.StreamName) is not { } stream)
        {
            return null;
        }

        // The same permission check as the general path (kinesis:PutRecords on this stream): the shortcut must not
        // be a way around it.
        if (refusal(Arn(stream, region)) is { } denied)
        {
            throw new KinesisException(AccessKeys.DeniedErrorType, denied);
        }

        return PutRecordsResponse(await stream.Stream.AppendAsync(input.Records), cbor);
    }

    /// <summary>PutRecords' response in the request's protocol (the baseline endpoint answers with it too).</summary>
    internal static byte[] PutRecordsResponse(AppendResult[] results, bool cbor)
    {
        if (cbor)
        {
            return PutRecordsCbor(results);
        }

        var buffer = new ArrayBufferWriter<byte>(64 + results.Length * 96);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WritePutRecordsResults(writer, results);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The response as <see cref="KinesisCbor.FromJson"/> would translate the JSON one: the same items, in the same order.</summary>
    private static byte[] PutRecordsCbor(AppendResult[] results)
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        writer.WriteStartMap(3);
        writer.WriteTextString("FailedRecordCount");
        writer.WriteInt64(results.Count(r => !r.Succeeded));
        writer.WriteTextString("Records");
        writer.WriteStartArray(results.Length);
        foreach (var result in results)
        {
            writer.WriteStartMap(2);
            Member(writer, result.Succeeded ? "SequenceNumber" : "ErrorCode", result.Succeeded ? result.SequenceNumber : result.ErrorCode);
            Member(writer, result.Succeeded ? "ShardId" : "ErrorMessage", result.Succeeded ? result.ShardId : result.ErrorMessage);
            writer.WriteEndMap();
        }

        writer.WriteEndArray();
        writer.WriteTextString("EncryptionType");
        writer.WriteTextString("NONE");
        writer.WriteEndMap();
        return writer.Encode();

        // A JSON null (a failure without a message) translates to a CBOR null.
        static void Member(CborWriter writer, string name, string? value)
        {
            writer.WriteTextString(name);
            if (value is null)
            {
                writer.WriteNull();
            }
            else
            {
                writer.WriteTextString(value);
            }
        }
    }

    private static void WritePutRecordsResults(Utf8JsonWriter writer, AppendResult[] results)
    {
        var failed = 0;
        foreach (var result in results)
        {
            failed += result.Succeeded ? 0 : 1;
        }

        writer.WriteNumber("FailedRecordCount", failed);
        writer.WriteStartArray("Records");
        foreach (var result in results)
        {
            writer.WriteStartObject();
            if (result.Succeeded)
            {
                writer.WriteString("SequenceNumber", result.SequenceNumber);
                writer.WriteString("ShardId", result.ShardId);
            }
            else
            {
                writer.WriteString("ErrorCode", result.ErrorCode);
                writer.WriteString("ErrorMessage", result.ErrorMessage);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("EncryptionType", "NONE");
    }

    private void ValidateRecord(KinesisRequest request, string? partitionKey, byte[]? data, string? explicitHashKey, string prefix)
    {
        request.Required(partitionKey, prefix + "partitionKey");
        request.Length(partitionKey, prefix + "partitionKey", 1, MaxPartitionKeyLength);
        request.Required(data, prefix + "data");
        if (data is { } bytes && bytes.Length > _options.MaxRecordBytes)
        {
            request.Fail($"[{bytes.Length} bytes]", prefix + "data", $"Member must have length less than or equal to {_options.MaxRecordBytes}");
        }

        request.Pattern(explicitHashKey, prefix + "explicitHashKey", IsHashKeySyntax, "0|([1-9]\\d{0,38})");
    }

    private static bool IsHashKeySyntax(string value) =>
        value is { Length: > 0 and <= 39 } && value.All(char.IsAsciiDigit) && (value.Length == 1 || value[0] != '0');

    private static BigInteger? ExplicitHashKeyOrNull(string? value) =>
        value is not null && IsHashKeySyntax(value) ? BigInteger.Parse(value, CultureInfo.InvariantCulture) : null;

    /// <summary>A hash key with valid syntax may still lie outside the 128-bit space: InvalidArgumentException, as Kinesis answers.</summary>
    private static BigInteger? ParseHashKey(string? value)
    {
        var key = ExplicitHashKeyOrNull(value);
        if (key > ShardMap.MaxHashKey)
        {
            throw KinesisException.InvalidArgument($"Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was {value}");
        }

        return key;
    }
}
