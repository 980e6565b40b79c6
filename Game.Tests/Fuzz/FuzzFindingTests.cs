using Game.Server.EventSources;
using Game.Server.Ingest.Kinesis;

namespace Game.Tests.Fuzz;

/// <summary>What the fuzzers found beyond issue #13.8's list, one named test per finding.</summary>
public sealed class FuzzFindingTests
{
    /// <summary>
    /// System.Text.Json's refusal to read an escaped lone surrogate; FilterPattern.Parse lets it out instead of a
    /// FormatException. Tolerated by the filter-pattern fuzz target until the parser's owner fixes it.
    /// </summary>
    public static bool IsLoneSurrogateInFilterPattern(InvalidOperationException error) =>
        error.Message.StartsWith("Cannot read incomplete UTF-16 JSON text", StringComparison.Ordinal);

    [Fact(Skip = "Fuzz finding for EventSources/FilterPattern.cs, owned by another helper: a lone surrogate in a field name (\\ud800) escapes Parse as InvalidOperationException. Unskip, and drop IsLoneSurrogateInFilterPattern, when Parse answers FormatException.")]
    public void FilterPattern_LoneSurrogateFieldName_IsFormatException()
    {
        Assert.Throws<FormatException>(() => FilterPattern.Parse("""{"\ud800":{"x":[{"prefix":"q"}]}}"""));
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

    [Fact(Skip = "Fuzz finding for EventSources/FilterPattern.cs, owned by another helper: Parse accepts a numeric matcher whose operands are not numbers, and Matches then throws InvalidOperationException. Unskip when Parse validates operands.")]
    public void FilterPattern_NumericMatcherWithoutNumber_IsRefusedAtParse()
    {
        var error = Assert.Throws<FormatException>(() => FilterPattern.Parse("""{"data":{"seq":[{"numeric":[">","<=",100]}]}}"""));

        Assert.Contains("numeric", error.Message);
    }
}
