using System.Text;
using System.Text.Json;
using Game.Server.EventSources;
using Xunit.Abstractions;

namespace Game.Tests.Fuzz;

/// <summary>
/// The event-filter pattern parser: a pattern parses, or <see cref="FormatException"/> says why; a pattern that
/// parsed matches records without throwing.
/// </summary>
public sealed class FilterPatternFuzzTests(ITestOutputHelper output)
{
    /// <summary>Records of every JSON kind in the places patterns look, for the parsed patterns to match against.</summary>
    private static readonly JsonElement[] Records =
    [
        .. new[]
        {
            """{"partitionKey":"p1","sequenceNumber":"1","data":{"seq":5,"x":"abc","t":[1,"a",null,true],"n":{"a":{"b":1.5}}}}""",
            """{"partitionKey":"","data":"text"}""",
            """{"data":[{"seq":-1e300},{"x":false}],"prefix":"q"}""",
        }.Select(json => JsonDocument.Parse(json).RootElement.Clone()),
    ];

    [Fact]
    public async Task FilterPatterns_Mutated_ParseOrRefuseWithFormatException()
    {
        var fuzzer = new Fuzzer("filter-pattern", Fuzzer.Tokens(
            "{\"prefix\":", "{\"suffix\":", "{\"anything-but\":", "{\"numeric\":", "{\"exists\":", "{\"equals-ignore-case\":", "[\">\",", "\"<=\"",
            "1e400", "-1e400", "\"\\ud800\"", "null", "[]", "{}", "true", "0", "\"\"", "\"data\":"));

        var ran = await fuzzer.RunAsync(Fuzzer.LoadCorpus("filter-pattern"), (_, input) =>
        {
            FilterPattern pattern;
            try
            {
                pattern = FilterPattern.Parse(Encoding.UTF8.GetString(input));
            }
            catch (FormatException)
            {
                return Task.CompletedTask;
            }

            foreach (var record in Records)
            {
                pattern.Matches(record);
            }

            return Task.CompletedTask;
        });

        output.WriteLine($"{ran} inputs in {Fuzzer.Budget.TotalSeconds} s");
        Assert.True(ran > 0);
    }
}
