using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

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
        var results = await stream.Stream.AppendAsync(records);
        writer.WriteNumber("FailedRecordCount", results.Count(r => !r.Succeeded));
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
