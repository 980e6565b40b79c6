
namespace Game.Tests.Ingest.Kinesis;

public sealed class KinesaliteKinesisSdkTests(KinesaliteFixture fixture) : KinesisSdkCases(fixture), IClassFixture<KinesaliteFixture>
{
    protected override bool IsKinesalite => true;
}
