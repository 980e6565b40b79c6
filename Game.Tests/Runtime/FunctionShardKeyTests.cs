using Game.Functions.Contracts;

namespace Game.Tests.Runtime;

/// <summary>The function shard grain's key: one format, parsed back to the same parts, and bad keys refused.</summary>
public sealed class FunctionShardKeyTests
{
    [Fact]
    public void ForLane_FormatsFunctionShardAndLaneNumber()
    {
        Assert.Equal("score/shardId-000000000003/2", FunctionShardKey.ForLane("score", "shardId-000000000003", 2).ToString());
    }

    [Fact]
    public void ForReplay_UsesTheReplayLane()
    {
        var key = FunctionShardKey.ForReplay("score", "shardId-000000000000");

        Assert.Equal("score/shardId-000000000000/replay", key.ToString());
        Assert.Equal(FunctionShardKey.ReplayLane, key.Lane);
    }

    [Theory]
    [InlineData("score", "shardId-000000000000", "0")]
    [InlineData("player-rank", "shardId-000000000011", "replay")]
    [InlineData("sized-1a2b3c", "shardId-000000000001", "warm")]
    public void Parse_FormattedKey_GivesBackTheSameParts(string function, string shardId, string lane)
    {
        var key = new FunctionShardKey(function, shardId, lane);

        var parsed = FunctionShardKey.Parse(key.ToString());

        Assert.Equal(key, parsed);
        Assert.Equal((function, shardId, lane), (parsed.Function, parsed.ShardId, parsed.Lane));
    }

    [Theory]
    [InlineData("")]
    [InlineData("score")]
    [InlineData("score/shardId-000000000000")]
    [InlineData("score/shardId-000000000000/0/extra")]
    [InlineData("score//0")]
    [InlineData("/shardId-000000000000/0")]
    [InlineData("score/shardId-000000000000/")]
    public void Parse_NotThreeNonEmptyParts_IsRefused(string key)
    {
        Assert.False(FunctionShardKey.TryParse(key, out _));
        var error = Assert.Throws<FormatException>(() => FunctionShardKey.Parse(key));
        Assert.Equal($"'{key}' is not a function shard key ({{function}}/{{shardId}}/{{lane}}).", error.Message);
    }

    [Fact]
    public void TryParse_Null_IsRefused()
    {
        Assert.False(FunctionShardKey.TryParse(null, out var parsed));
        Assert.Equal(default, parsed);
    }

    [Theory]
    [InlineData("a/b", "shardId-000000000000", "0", "function")]
    [InlineData("score", "shard/0", "0", "shardId")]
    [InlineData("score", "shardId-000000000000", "", "lane")]
    [InlineData("", "shardId-000000000000", "0", "function")]
    public void New_PartEmptyOrHoldingTheSeparator_Throws(string function, string shardId, string lane, string parameter)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new FunctionShardKey(function, shardId, lane));

        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void ForLane_NegativeLane_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => FunctionShardKey.ForLane("score", "shardId-000000000000", -1));

        Assert.Equal("lane", error.ParamName);
    }
}
