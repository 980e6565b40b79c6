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
