using Game.Server.Ingest;

namespace Game.Tests.Ingest;

public sealed class SequenceNumberTests
{
    [Fact]
    public void Format_IncreasingPositions_SortAsStringsAndParseBack()
    {
        var a = SequenceNumber.Format(2, 9);
        var b = SequenceNumber.Format(2, 10);

        Assert.Equal("4900000200000000000000000009", a);
        Assert.True(string.CompareOrdinal(a, b) < 0);
        Assert.True(SequenceNumber.TryParse(b, out var shard, out var position));
        Assert.Equal((2, 10L), (shard, position));
        Assert.True(SequenceNumber.IsWellFormed(a));
    }

    [Theory]
    [InlineData(0, 0L)]
    [InlineData(0, 1L)]
    [InlineData(3, 1_234_567L)]
    [InlineData(999_999, long.MaxValue)]
    [InlineData(1_000_000, 5L)]
    [InlineData(-1, 5L)]
    [InlineData(2, -7L)]
    public void Format_AnyShardAndPosition_EqualsTheInterpolatedFormat(int shard, long position) =>
        Assert.Equal(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"49{shard:D6}{position:D20}"), SequenceNumber.Format(shard, position));

    [Fact]
    public void Format_RandomShardsAndPositions_EqualsTheInterpolatedFormat()
    {
        var random = new Random(19);
        for (var i = 0; i < 10_000; i++)
        {
            var (shard, position) = (random.Next(1_000_000), random.NextInt64(long.MaxValue) >> random.Next(63));
            Assert.Equal(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"49{shard:D6}{position:D20}"), SequenceNumber.Format(shard, position));
        }
    }

    [Theory]
    [InlineData("9", "10", -1)]
    [InlineData("100", "99", 1)]
    [InlineData("123", "123", 0)]
    [InlineData("49590338271490256608559692538361571095921575989136588898", "5", 1)]
    public void Compare_ByLengthThenLexically(string a, string b, int expected) =>
        Assert.Equal(expected, Math.Sign(SequenceNumber.Compare(a, b)));

    [Theory]
    [InlineData("0", true)]
    [InlineData("01", false)]
    [InlineData("", false)]
    [InlineData("12a", false)]
    public void IsWellFormed_FollowsKinesisSyntax(string value, bool expected) =>
        Assert.Equal(expected, SequenceNumber.IsWellFormed(value));
}
