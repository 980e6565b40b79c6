using Game.Server.EventSources;
using Game.Server.Ingest.Kinesis;

namespace Game.Tests.Fuzz;

/// <summary>What the fuzzers found beyond issue #13.8's list, one named test per finding.</summary>
public sealed class FuzzFindingTests
{
    [Fact]
    public void FilterPattern_LoneSurrogateFieldName_IsFormatException()
    {
        Assert.Throws<FormatException>(() => FilterPattern.Parse("""{"\ud800":{"x":[{"prefix":"q"}]}}"""));
    }

    [Fact]
    public void FilterPattern_LoneSurrogateValue_IsFormatException()
    {
        Assert.Throws<FormatException>(() => FilterPattern.Parse("""{"x":["\ud800"]}"""));
    }

    [Theory]
    [InlineData("""{"x":[{"prefix":1}]}""", "prefix")]
    [InlineData("""{"x":[{"exists":"yes"}]}""", "exists")]
    [InlineData("""{"x":[{"numeric":[">"]}]}""", "numeric")]
    [InlineData("""{"x":[{"anything-but":{"numeric":[">",1]}}]}""", "anything-but")]
    public void FilterPattern_OperandMatchingCannotEvaluate_IsRefusedAtParse(string pattern, string op)
    {
        var error = Assert.Throws<FormatException>(() => FilterPattern.Parse(pattern));

        Assert.StartsWith($"$.x: {op} does not take ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KinesisRequest_LoneSurrogateMemberName_IsSerializationException()
    {
        // Found by the kinesis-json fuzz target: the name, not the value, held the surrogate, and looking up any
        // member of that object threw while comparing names.
        await using var stream = new FuzzStream();

        await stream.RunJsonAsync("PutRecords",
            """{"StreamName":"motion","Records":[{"PartitionKey":"p1","Data":"AQID"},{"PartitionKey":"p2","\ud800":""}]}"""u8.ToArray());
        var error = await Assert.ThrowsAsync<KinesisException>(() => stream.InvokeDirectAsync("PutRecords",
            """{"StreamName":"motion","Records":[{"PartitionKey":"p2","\ud800":""}]}"""));

        Assert.Equal("SerializationException", error.ErrorType);
        Assert.Equal("A member name is not a valid string: it holds an unpaired UTF-16 surrogate.", error.Message);
    }

    [Fact]
    public void FilterPattern_NumericMatcherWithoutNumber_IsRefusedAtParse()
    {
        var error = Assert.Throws<FormatException>(() => FilterPattern.Parse("""{"data":{"seq":[{"numeric":[">","<=",100]}]}}"""));

        Assert.Equal("""$.data.seq: numeric does not take [">","<=",100].""", error.Message);
    }
}
