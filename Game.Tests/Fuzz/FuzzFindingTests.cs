using Game.Server.EventSources;

namespace Game.Tests.Fuzz;

/// <summary>What the fuzzers found beyond issue #13.8's list, one named test per finding.</summary>
public sealed class FuzzFindingTests
{
    [Fact(Skip = "Fuzz finding for EventSources/FilterPattern.cs, owned by another helper: Parse accepts a numeric matcher whose operands are not numbers, and Matches then throws InvalidOperationException. Unskip when Parse validates operands.")]
    public void FilterPattern_NumericMatcherWithoutNumber_IsRefusedAtParse()
    {
        var error = Assert.Throws<FormatException>(() => FilterPattern.Parse("""{"data":{"seq":[{"numeric":[">","<=",100]}]}}"""));

        Assert.Contains("numeric", error.Message);
    }
}
