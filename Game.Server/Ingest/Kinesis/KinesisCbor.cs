using System.Formats.Cbor;
using System.Text.Json;

namespace Game.Server.Ingest.Kinesis;

/// <summary>
/// Kinesis' CBOR protocol (<c>application/x-amz-cbor-1.1</c>, what the AWS SDK for Java and the KCL send by
/// default) as a translation to and from the JSON protocol, so the operations exist once. The two differ only
/// in blobs (CBOR byte strings, JSON base64) and timestamps (CBOR tag 1, JSON epoch-seconds numbers).
/// </summary>
public static class KinesisCbor
{
    public const string ContentType = "application/x-amz-cbor-1.1";

    /// <summary>Members that are blobs in Kinesis' model: byte strings in CBOR.</summary>
    private static readonly HashSet<string> BlobMembers = ["Data"];

    /// <summary>Members that are timestamps in Kinesis' model: tag 1 (epoch seconds) in CBOR.</summary>
    private static readonly HashSet<string> TimestampMembers = ["ApproximateArrivalTimestamp", "StreamCreationTimestamp", "Timestamp", "ConsumerCreationTimestamp"];

    /// <summary>A CBOR request as the equivalent JSON request; malformed CBOR is a SerializationException.</summary>
    public static byte[] ToJson(ReadOnlyMemory<byte> cbor)
    {
        try
        {
            var reader = new CborReader(cbor, CborConformanceMode.Lax, allowMultipleRootLevelValues: false);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                Copy(reader, writer, depth: 0);
            }

            if (reader.BytesRemaining != 0)
            {
                throw KinesisException.Serialization("Trailing bytes after the CBOR request.");
            }

            return buffer.ToArray();
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or FormatException)
        {
            throw KinesisException.Serialization("The request body is not valid CBOR: " + ex.Message);
        }
    }

    /// <summary>A JSON response (or error) as the equivalent CBOR response.</summary>
    public static byte[] FromJson(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var writer = new CborWriter(CborConformanceMode.Lax);
        Write(document.RootElement, writer, member: null);
        return writer.Encode();
    }

    private static void Copy(CborReader reader, Utf8JsonWriter writer, int depth)
    {
        // Kinesis requests nest a few levels at most; a deep one is an attack on the stack, not a request.
        if (depth > 32)
        {
            throw KinesisException.Serialization("The CBOR request nests too deeply.");
        }

        switch (reader.PeekState())
        {
            case CborReaderState.StartMap:
                reader.ReadStartMap();
                writer.WriteStartObject();
                while (reader.PeekState() != CborReaderState.EndMap)
                {
                    if (reader.PeekState() is not (CborReaderState.TextString or CborReaderState.StartIndefiniteLengthTextString))
                    {
                        throw KinesisException.Serialization("CBOR map keys must be text strings.");
                    }

                    writer.WritePropertyName(reader.ReadTextString());
                    Copy(reader, writer, depth + 1);
                }

                reader.ReadEndMap();
                writer.WriteEndObject();
                break;
            case CborReaderState.StartArray:
                reader.ReadStartArray();
                writer.WriteStartArray();
                while (reader.PeekState() != CborReaderState.EndArray)
                {
                    Copy(reader, writer, depth + 1);
                }

                reader.ReadEndArray();
                writer.WriteEndArray();
                break;
            case CborReaderState.TextString or CborReaderState.StartIndefiniteLengthTextString:
                writer.WriteStringValue(reader.ReadTextString());
                break;
            case CborReaderState.ByteString or CborReaderState.StartIndefiniteLengthByteString:
                writer.WriteBase64StringValue(reader.ReadByteString());
                break;
            case CborReaderState.UnsignedInteger:
                // Up to 2^64-1; JSON holds it, and the operation then refuses what is out of its member's range.
                writer.WriteNumberValue(reader.ReadUInt64());
                break;
            case CborReaderState.NegativeInteger:
                // Down to -2^64, beyond a long: -1 - n, written from its digits.
                var magnitude = reader.ReadCborNegativeIntegerRepresentation();
                writer.WriteRawValue((-1 - (System.Numerics.BigInteger)magnitude).ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case CborReaderState.HalfPrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat:
                var number = reader.ReadDouble();
                if (!double.IsFinite(number))
                {
                    // JSON has no NaN or Infinity, and no Kinesis member takes one.
                    throw KinesisException.Serialization("CBOR numbers must be finite: NaN and Infinity are not values of any Kinesis member.");
                }

                writer.WriteNumberValue(number);
                break;
            case CborReaderState.Boolean:
                writer.WriteBooleanValue(reader.ReadBoolean());
                break;
            case CborReaderState.Null or CborReaderState.Undefined:
                reader.ReadSimpleValue();
                writer.WriteNullValue();
                break;
            case CborReaderState.Tag:
                // Tag 1 wraps epoch seconds, which is what the JSON protocol sends bare; other tags add nothing here.
                reader.ReadTag();
                Copy(reader, writer, depth + 1);
                break;
            default:
                throw KinesisException.Serialization($"Unexpected CBOR item: {reader.PeekState()}.");
        }
    }

    private static void Write(JsonElement element, CborWriter writer, string? member)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartMap(element.EnumerateObject().Count());
                foreach (var property in element.EnumerateObject())
                {
                    writer.WriteTextString(property.Name);
                    Write(property.Value, writer, property.Name);
                }

                writer.WriteEndMap();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray(element.GetArrayLength());
                foreach (var item in element.EnumerateArray())
                {
                    Write(item, writer, member);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String when member is not null && BlobMembers.Contains(member):
                writer.WriteByteString(element.GetBytesFromBase64());
                break;
            case JsonValueKind.String:
                writer.WriteTextString(element.GetString()!);
                break;
            case JsonValueKind.Number when member is not null && TimestampMembers.Contains(member):
                writer.WriteTag(CborTag.UnixTimeSeconds);
                WriteNumber(element, writer);
                break;
            case JsonValueKind.Number:
                WriteNumber(element, writer);
                break;
            case JsonValueKind.True or JsonValueKind.False:
                writer.WriteBoolean(element.GetBoolean());
                break;
            default:
                writer.WriteNull();
                break;
        }
    }

    private static void WriteNumber(JsonElement element, CborWriter writer)
    {
        if (element.TryGetInt64(out var integer))
        {
            writer.WriteInt64(integer);
        }
        else
        {
            writer.WriteDouble(element.GetDouble());
        }
    }
}
