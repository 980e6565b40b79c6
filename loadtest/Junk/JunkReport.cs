namespace LoadTest.Junk;

/// <summary>What the junk flood sent of one shape, and how the server answered.</summary>
/// <param name="Shape">The shape's name (<see cref="JunkShape.Name"/>).</param>
/// <param name="Request">What was sent.</param>
/// <param name="Sent">Requests sent.</param>
/// <param name="Expected">The statuses that count as the expected refusal, e.g. <c>404/429</c>.</param>
/// <param name="Skipped">Due by the rate but not sent, because <see cref="JunkFlood.MaxInFlight"/> requests were still out.</param>
/// <param name="Answers">Answers by label (<c>404</c>, <c>400 MissingAuthenticationTokenException</c>, <c>timeout</c>, …).</param>
/// <param name="Unexpected">Answers that were not the expected refusal: a 2xx, a 5xx, another 4xx, a timeout, no answer.</param>
public sealed record JunkShapeResult(
    string Shape, string Request, string Expected, long Sent, long Skipped, IReadOnlyDictionary<string, long> Answers, long Unexpected);

/// <summary>The junk flood beside a run (<c>--junk-rate</c>): the rate asked for, how long it ran, and per shape what came back.</summary>
public sealed record JunkReport(int RatePerSecond, double Seconds, int MaxInFlight, IReadOnlyList<JunkShapeResult> Shapes)
{
    public long Sent => Shapes.Sum(s => s.Sent);

    public long Skipped => Shapes.Sum(s => s.Skipped);

    public long Unexpected => Shapes.Sum(s => s.Unexpected);

    /// <summary>Junk requests sent per second over the flood's time.</summary>
    public double SentPerSecond => Seconds > 0 ? Math.Round(Sent / Seconds, 1) : 0;
}
