namespace Game.Tests.Ingest.Kinesis;

/// <summary>
/// The fan-out cases' peer check: kinesalite (3.3.3) has no enhanced fan-out, so none of the other cases can run
/// there. Not faithful to Kinesis, and recorded so a kinesalite that gains the operations shows up here.
/// </summary>
public sealed class KinesaliteFanOutSdkTests(KinesaliteFanOutFixture fixture) : IClassFixture<KinesaliteFanOutFixture>
{
    [Fact]
    public void EnhancedFanOut_EveryOperation_IsUnknownToKinesalite() =>
        fixture.AssertCase("kinesaliteHasNoFanOut", """
            {"RegisterStreamConsumer":"UnknownOperationException","DescribeStreamConsumer":"UnknownOperationException",
             "ListStreamConsumers":"UnknownOperationException","DeregisterStreamConsumer":"UnknownOperationException",
             "SubscribeToShard":"UnknownOperationException"}
            """);
}
