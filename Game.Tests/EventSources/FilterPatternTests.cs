using System.Text.Json;
using Game.Server.EventSources;

namespace Game.Tests.EventSources;

public sealed class FilterPatternTests
{
    private static bool Matches(string pattern, string record) =>
        FilterPattern.Parse(pattern).Matches(JsonDocument.Parse(record).RootElement);

    [Theory]
    [InlineData("""{"data":{"team":["red"]}}""", """{"data":{"team":"red"}}""", true)]
    [InlineData("""{"data":{"team":["red","blue"]}}""", """{"data":{"team":"blue"}}""", true)]
    [InlineData("""{"data":{"team":["red"]}}""", """{"data":{"team":"green"}}""", false)]
    [InlineData("""{"data":{"seq":[3]}}""", """{"data":{"seq":3.0}}""", true)]
    [InlineData("""{"data":{"ok":[true]}}""", """{"data":{"ok":false}}""", false)]
    [InlineData("""{"data":{"tags":["vip"]}}""", """{"data":{"tags":["a","vip"]}}""", true)]
    [InlineData("""{"data":{"name":[{"prefix":"Ad"}]}}""", """{"data":{"name":"Ada"}}""", true)]
    [InlineData("""{"data":{"name":[{"suffix":"da"}]}}""", """{"data":{"name":"Ada"}}""", true)]
    [InlineData("""{"data":{"name":[{"equals-ignore-case":"ADA"}]}}""", """{"data":{"name":"ada"}}""", true)]
    [InlineData("""{"data":{"team":[{"anything-but":["red"]}]}}""", """{"data":{"team":"red"}}""", false)]
    [InlineData("""{"data":{"team":[{"anything-but":"red"}]}}""", """{"data":{"team":"blue"}}""", true)]
    [InlineData("""{"data":{"team":[{"anything-but":{"prefix":"r"}}]}}""", """{"data":{"team":"rose"}}""", false)]
    [InlineData("""{"data":{"seq":[{"numeric":[">",10,"<=",20]}]}}""", """{"data":{"seq":20}}""", true)]
    [InlineData("""{"data":{"seq":[{"numeric":[">",10,"<=",20]}]}}""", """{"data":{"seq":10}}""", false)]
    [InlineData("""{"data":{"seq":[{"exists":true}]}}""", """{"data":{}}""", false)]
    [InlineData("""{"data":{"seq":[{"exists":false}]}}""", """{"data":{}}""", true)]
    [InlineData("""{"data":{"a":["x"],"b":["y"]}}""", """{"data":{"a":"x","b":"z"}}""", false)]
    [InlineData("""{"partitionKey":["p1"]}""", """{"partitionKey":"p1","data":null}""", true)]
    [InlineData("""{"data":{"team":["red"]}}""", """{"data":"plain text"}""", false)]
    public void Matches_LambdaSyntax_AsDocumented(string pattern, string record, bool expected) =>
        Assert.Equal(expected, Matches(pattern, record));

    [Theory]
    [InlineData("not json", "A filter pattern must be JSON: ")]
    [InlineData("""{"data":{"team":"red"}}""", "$.data.team: the values to match must be in an array.")]
    [InlineData("""{"data":{"team":[{"regex":"r.*"}]}}""", "$.data.team: unknown matcher {\"regex\":\"r.*\"}.")]
    [InlineData("""["red"]""", "$: a filter pattern is a JSON object of fields.")]
    public void Parse_InvalidPattern_ThrowsWithReason(string pattern, string reason)
    {
        var error = Assert.Throws<FormatException>(() => FilterPattern.Parse(pattern));

        Assert.StartsWith(reason, error.Message, StringComparison.Ordinal);
    }
}
