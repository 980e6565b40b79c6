using System.Buffers;
using System.Buffers.Text;
using System.Formats.Cbor;
using System.Text;
using System.Text.Json;

namespace Game.Server.Ingest.Kinesis;

/// <summary>A plain PutRecords request as <see cref="PutRecordsReader"/> read it: the stream's name and the records to append.</summary>
/// <param name="StreamName">A well-formed stream name (not yet looked up).</param>
/// <param name="Records">The records in the request's order; their data are slices of one array.</param>
internal sealed record PutRecordsInput(string StreamName, List<AppendRequest> Records);

/// <summary>
/// Reads the PutRecords requests producers send in the steady state (a <c>StreamName</c> and records of
/// <c>Data</c> and <c>PartitionKey</c>, nothing escaped, every limit kept) in one forward pass over the bytes:
/// no document, no base64 string per record, every record's data decoded into one array. Anything else — an ARN,
/// an explicit hash key, a null, an escape, an unknown or repeated member, bad base64, a limit broken, malformed
/// JSON — is not read here (null), and the general path (<see cref="KinesisRequest"/>) answers it, with the
/// errors it always answered. So this reader only has to agree with the general path on what it accepts.
/// </summary>
/// <remarks>Why: the general path cost tens of µs of server CPU per record (docs/performance.md, "Kinesis API").</remarks>
internal static class PutRecordsReader
{
    /// <summary>Standard base64 without whitespace: what <see cref="Base64.DecodeFromUtf8"/> and <see cref="Convert.FromBase64String"/> agree on.</summary>
    private static readonly SearchValues<byte> Base64Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="u8);

    private static readonly SearchValues<byte> StreamNameBytes =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"u8);

    /// <summary>The request, or null when it is not plain (the general path then reads it).</summary>
    public static PutRecordsInput? TryRead(ReadOnlySpan<byte> json, int maxRecordBytes, int maxRequestBytes)
    {
        try
        {
            return Read(json, maxRecordBytes, maxRequestBytes);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Malformed JSON, or a string that is not valid UTF-8: the general path answers it in its own words.
            return null;
        }
    }

    private static PutRecordsInput? Read(ReadOnlySpan<byte> json, int maxRecordBytes, int maxRequestBytes)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        string? streamName = null;
        List<AppendRequest>? records = null;
        byte[]? data = null;
        var used = 0;
        long requestBytes = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return null;
            }

            if (reader.ValueTextEquals("StreamName"u8) && streamName is null)
            {
                if (!reader.Read() || !IsPlainString(ref reader) || reader.ValueSpan is not { Length: >= 1 and <= 128 } name
                    || name.ContainsAnyExcept(StreamNameBytes))
                {
                    return null;
                }

                streamName = reader.GetString();
            }
            else if (reader.ValueTextEquals("Records"u8) && records is null)
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                {
                    return null;
                }

                // Decoded data is at most three quarters of its base64, so the request's size bounds it all.
                data = new byte[json.Length / 4 * 3];
                records = [];
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    if (records.Count == KinesisOperations.MaxPutRecordsCount
                        || ReadRecord(ref reader, data, ref used, maxRecordBytes) is not { } record)
                    {
                        return null;
                    }

                    requestBytes += record.Request.Data.Length + record.PartitionKeyBytes;
                    records.Add(record.Request);
                }

                if (reader.TokenType != JsonTokenType.EndArray || records.Count == 0)
                {
                    return null;
                }
            }
            else
            {
                return null;
            }
        }

        // The root object must end here, with nothing but whitespace after it; a trailing token throws (malformed).
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return null;
        }

        return streamName is not null && records is not null && requestBytes <= maxRequestBytes
            ? new PutRecordsInput(streamName, records)
            : null;
    }

    /// <summary>One record object (the reader on its start): Data and PartitionKey once each, nothing else.</summary>
    private static (AppendRequest Request, int PartitionKeyBytes)? ReadRecord(
        ref Utf8JsonReader reader, byte[] data, ref int used, int maxRecordBytes)
    {
        string? partitionKey = null;
        var partitionKeyBytes = 0;
        ReadOnlyMemory<byte>? bytes = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return null;
            }

            if (reader.ValueTextEquals("Data"u8) && bytes is null)
            {
                if (!reader.Read() || !IsPlainString(ref reader) || reader.ValueSpan.ContainsAnyExcept(Base64Alphabet)
                    || Base64.DecodeFromUtf8(reader.ValueSpan, data.AsSpan(used), out var consumed, out var written) != OperationStatus.Done
                    || consumed != reader.ValueSpan.Length || written > maxRecordBytes)
                {
                    return null;
                }

                bytes = data.AsMemory(used, written);
                used += written;
            }
            else if (reader.ValueTextEquals("PartitionKey"u8) && partitionKey is null)
            {
                if (!reader.Read() || !IsPlainString(ref reader))
                {
                    return null;
                }

                partitionKeyBytes = reader.ValueSpan.Length;
                partitionKey = reader.GetString();
                if (partitionKey is not { Length: >= 1 and <= KinesisOperations.MaxPartitionKeyLength })
                {
                    return null;
                }
            }
            else
            {
                return null;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject && partitionKey is not null && bytes is { } recordData
            ? (new AppendRequest(partitionKey, recordData), partitionKeyBytes)
            : null;
    }

    /// <summary>
    /// The same request in CBOR (what the Java SDK and the KCL send): definite text keys, <c>Data</c> a byte string
    /// decoded straight into the shared array, no tags. Read as <see cref="KinesisCbor.ToJson"/> reads it (the same
    /// reader, the same text decoding), so whatever this takes, the translation and the general path take alike.
    /// </summary>
    public static PutRecordsInput? TryReadCbor(ReadOnlyMemory<byte> cbor, int maxRecordBytes, int maxRequestBytes)
    {
        try
        {
            return ReadCbor(new CborReader(cbor, CborConformanceMode.Lax, allowMultipleRootLevelValues: false), cbor.Length, maxRecordBytes, maxRequestBytes);
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or FormatException or ArgumentException)
        {
            // Not well-formed: the translation (KinesisCbor.ToJson) meets the same and answers it.
            return null;
        }
    }

    private static PutRecordsInput? ReadCbor(CborReader reader, int length, int maxRecordBytes, int maxRequestBytes)
    {
        if (reader.PeekState() != CborReaderState.StartMap)
        {
            return null;
        }

        reader.ReadStartMap();
        string? streamName = null;
        List<AppendRequest>? records = null;
        long requestBytes = 0;
        while (reader.PeekState() == CborReaderState.TextString)
        {
            var member = reader.ReadTextString();
            if (member == "StreamName" && streamName is null && reader.PeekState() == CborReaderState.TextString)
            {
                streamName = reader.ReadTextString();
                if (streamName.Length is < 1 or > 128 || !streamName.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
                {
                    return null;
                }
            }
            else if (member == "Records" && records is null && reader.PeekState() == CborReaderState.StartArray)
            {
                reader.ReadStartArray();
                // Byte strings are never longer than the request that holds them.
                var data = new byte[length];
                var used = 0;
                records = [];
                while (reader.PeekState() == CborReaderState.StartMap)
                {
                    if (records.Count == KinesisOperations.MaxPutRecordsCount || ReadCborRecord(reader, data, ref used, maxRecordBytes) is not { } record)
                    {
                        return null;
                    }

                    requestBytes += record.Request.Data.Length + record.PartitionKeyBytes;
                    records.Add(record.Request);
                }

                if (reader.PeekState() != CborReaderState.EndArray || records.Count == 0)
                {
                    return null;
                }

                reader.ReadEndArray();
            }
            else
            {
                return null;
            }
        }

        if (reader.PeekState() != CborReaderState.EndMap)
        {
            return null;
        }

        reader.ReadEndMap();
        return reader.BytesRemaining == 0 && streamName is not null && records is not null && requestBytes <= maxRequestBytes
            ? new PutRecordsInput(streamName, records)
            : null;
    }

    private static (AppendRequest Request, int PartitionKeyBytes)? ReadCborRecord(CborReader reader, byte[] data, ref int used, int maxRecordBytes)
    {
        reader.ReadStartMap();
        string? partitionKey = null;
        ReadOnlyMemory<byte>? bytes = null;
        while (reader.PeekState() == CborReaderState.TextString)
        {
            var member = reader.ReadTextString();
            if (member == "Data" && bytes is null && reader.PeekState() == CborReaderState.ByteString)
            {
                if (!reader.TryReadByteString(data.AsSpan(used), out var written) || written > maxRecordBytes)
                {
                    return null;
                }

                bytes = data.AsMemory(used, written);
                used += written;
            }
            else if (member == "PartitionKey" && partitionKey is null && reader.PeekState() == CborReaderState.TextString)
            {
                partitionKey = reader.ReadTextString();
                if (partitionKey.Length is < 1 or > KinesisOperations.MaxPartitionKeyLength)
                {
                    return null;
                }
            }
            else
            {
                return null;
            }
        }

        if (reader.PeekState() != CborReaderState.EndMap || partitionKey is null || bytes is not { } recordData)
        {
            return null;
        }

        reader.ReadEndMap();
        return (new AppendRequest(partitionKey, recordData), Encoding.UTF8.GetByteCount(partitionKey));
    }

    /// <summary>A string token without escapes, in one span (the whole request is one span, so always).</summary>
    private static bool IsPlainString(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence;
}
