using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Game.Server.Ingest.Kinesis;

/// <summary>Where a shard iterator points: read the shard's records after <see cref="AfterPosition"/>.</summary>
public readonly record struct ShardIterator(int Shard, long AfterPosition, DateTimeOffset IssuedAt);

/// <summary>Why an iterator string was refused.</summary>
public enum ShardIteratorError
{
    None,

    /// <summary>Not one of ours: garbage, truncated, or its MAC does not match (forged or altered).</summary>
    Invalid,

    /// <summary>Genuine, but issued longer ago than the iterator lifetime.</summary>
    Expired,
}

/// <summary>
/// Shard iterators as opaque strings: base64 of a version byte, shard, position and issue time, followed by a
/// truncated HMAC-SHA256 over them. Stateless, so iterators cost the server no memory and survive a restart
/// (the key is derived from configuration); the MAC stops clients from forging positions or issue times.
/// </summary>
public sealed class ShardIteratorCodec
{
    private const byte Version = 1;
    private const int PayloadLength = 1 + 4 + 8 + 8;
    private const int MacLength = 16;

    private readonly byte[] _key;

    /// <param name="key">Secret the MACs are keyed with.</param>
    /// <param name="lifetime">How long an iterator stays usable after it is issued (Kinesis: 5 minutes).</param>
    public ShardIteratorCodec(ReadOnlySpan<byte> key, TimeSpan lifetime)
    {
        _key = key.ToArray();
        Lifetime = lifetime;
    }

    public TimeSpan Lifetime { get; }

    /// <summary>
    /// A key for the codec derived from a configured secret, so separate uses of the secret never share a key,
    /// and from the stream's name, so an iterator of one stream is refused by another (positions differ).
    /// </summary>
    public static byte[] DeriveKey(string secret, string streamName) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes("game/kinesis/shard-iterator/v1/" + streamName));

    public string Encode(ShardIterator iterator)
    {
        Span<byte> buffer = stackalloc byte[PayloadLength + MacLength];
        buffer[0] = Version;
        BinaryPrimitives.WriteInt32BigEndian(buffer[1..], iterator.Shard);
        BinaryPrimitives.WriteInt64BigEndian(buffer[5..], iterator.AfterPosition);
        BinaryPrimitives.WriteInt64BigEndian(buffer[13..], iterator.IssuedAt.ToUnixTimeMilliseconds());
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, buffer[..PayloadLength], mac);
        mac[..MacLength].CopyTo(buffer[PayloadLength..]);
        return Convert.ToBase64String(buffer);
    }

    /// <summary>Reads an iterator; refuses anything not issued by this key, and anything older than the lifetime at <paramref name="now"/>.</summary>
    public ShardIteratorError TryDecode(string? value, DateTimeOffset now, out ShardIterator iterator)
    {
        iterator = default;
        Span<byte> buffer = stackalloc byte[PayloadLength + MacLength];
        if (value is null || !Convert.TryFromBase64String(value, buffer, out var written) || written != buffer.Length || buffer[0] != Version)
        {
            return ShardIteratorError.Invalid;
        }

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, buffer[..PayloadLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], buffer[PayloadLength..]))
        {
            return ShardIteratorError.Invalid;
        }

        iterator = new ShardIterator(
            BinaryPrimitives.ReadInt32BigEndian(buffer[1..]),
            BinaryPrimitives.ReadInt64BigEndian(buffer[5..]),
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(buffer[13..])));
        return now - iterator.IssuedAt > Lifetime ? ShardIteratorError.Expired : ShardIteratorError.None;
    }
}
