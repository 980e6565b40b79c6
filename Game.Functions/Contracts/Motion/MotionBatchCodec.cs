using System.Text.Json;
using MessagePack;

namespace Game.Functions.Contracts;

/// <summary>
/// The record format of docs/protocol.md: a <see cref="MotionBatch"/> as MessagePack (what phones send over
/// SignalR) or UTF-8 JSON (what a Kinesis producer may send). JSON starts with '{', which in MessagePack would
/// be a bare integer, never a batch, so the two cannot be confused.
/// </summary>
public static class MotionBatchCodec
{
    private static readonly MessagePackSerializerOptions MessagePackOptions =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public static byte[] Encode(MotionBatch batch) => MessagePackSerializer.Serialize(batch, MessagePackOptions);

    public static byte[] EncodeJson(MotionBatch batch) => JsonSerializer.SerializeToUtf8Bytes(batch, JsonOptions);

    /// <summary>Decodes either format; false when the data is neither a well-formed batch in JSON nor in MessagePack.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> data, out MotionBatch batch)
    {
        batch = new MotionBatch();
        try
        {
            var span = data.Span.TrimStart(" \t\r\n"u8);
            var decoded = !span.IsEmpty && span[0] == (byte)'{'
                ? JsonSerializer.Deserialize<MotionBatch>(span, JsonOptions)
                : MessagePackSerializer.Deserialize<MotionBatch>(data, MessagePackOptions);
            if (decoded is null || decoded.Samples is null || string.IsNullOrEmpty(decoded.GameId) || string.IsNullOrEmpty(decoded.PlayerId)
                || HasNilSample(decoded.Samples))
            {
                return false;
            }

            batch = decoded;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or MessagePackSerializationException)
        {
            return false;
        }
    }

    /// <summary>
    /// A nil (or JSON null) sample decodes as null: no sample a batch can be scored with (the score function read its
    /// time and threw, failing every record of its invocation).
    /// </summary>
    private static bool HasNilSample(IReadOnlyList<MotionSample> samples)
    {
        for (var i = 0; i < samples.Count; i++)
        {
            if (samples[i] is null)
            {
                return true;
            }
        }

        return false;
    }
}
