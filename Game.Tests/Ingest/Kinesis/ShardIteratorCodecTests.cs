using Game.Server.Ingest.Kinesis;

namespace Game.Tests.Ingest.Kinesis;

public sealed class ShardIteratorCodecTests
{
    private static readonly DateTimeOffset Issued = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly ShardIteratorCodec _codec = new(ShardIteratorCodec.DeriveKey("game-local-secret", "motion"), Lifetime);

    [Theory]
    [InlineData(0, 0L)]
    [InlineData(3, 41L)]
    [InlineData(63, long.MaxValue)]
    public void TryDecode_IssuedIterator_GivesItBack(int shard, long position)
    {
        var issued = new ShardIterator(shard, position, Issued);

        Assert.Equal(ShardIteratorError.None, _codec.TryDecode(_codec.Encode(issued), Issued.AddSeconds(1), out var decoded));
        Assert.Equal(issued, decoded);
    }

    [Fact]
    public void TryDecode_AtTheEndOfItsLifetime_StillValid() =>
        Assert.Equal(ShardIteratorError.None, _codec.TryDecode(_codec.Encode(new ShardIterator(1, 2, Issued)), Issued + Lifetime, out _));

    [Fact]
    public void TryDecode_PastItsLifetime_IsExpired()
    {
        var error = _codec.TryDecode(_codec.Encode(new ShardIterator(1, 2, Issued)), Issued + Lifetime + TimeSpan.FromMilliseconds(1), out var decoded);

        Assert.Equal(ShardIteratorError.Expired, error);
        Assert.Equal(Issued, decoded.IssuedAt);
    }

    [Fact]
    public void TryDecode_EveryAlteredByte_IsInvalid()
    {
        var bytes = Convert.FromBase64String(_codec.Encode(new ShardIterator(2, 1000, Issued)));
        for (var i = 0; i < bytes.Length; i++)
        {
            var altered = (byte[])bytes.Clone();
            altered[i] ^= 0x01;

            Assert.Equal(ShardIteratorError.Invalid, _codec.TryDecode(Convert.ToBase64String(altered), Issued, out _));
        }
    }

    [Theory]
    [InlineData("another-secret", "motion")]
    [InlineData("game-local-secret", "another-stream")]
    public void TryDecode_IssuedUnderAnotherSecretOrStream_IsInvalid(string secret, string streamName)
    {
        var other = new ShardIteratorCodec(ShardIteratorCodec.DeriveKey(secret, streamName), Lifetime);

        Assert.Equal(ShardIteratorError.Invalid, _codec.TryDecode(other.Encode(new ShardIterator(0, 5, Issued)), Issued, out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void TryDecode_NotAnIterator_IsInvalid(string? value) =>
        Assert.Equal(ShardIteratorError.Invalid, _codec.TryDecode(value, Issued, out _));
}
