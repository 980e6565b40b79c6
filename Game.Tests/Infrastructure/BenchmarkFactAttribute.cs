namespace Game.Tests.Infrastructure;

/// <summary>
/// A measurement rather than a check: it loads the machine for a while, so it runs only when asked for with
/// <c>GAME_BENCHMARK=1</c> and is reported as skipped otherwise (the reason says how to run it).
/// </summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public const string Variable = "GAME_BENCHMARK";

    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"A benchmark: set {Variable}=1 to run it (see docs/performance.md).";
        }
    }
}
