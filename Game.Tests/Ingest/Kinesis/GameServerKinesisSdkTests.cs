
namespace Game.Tests.Ingest.Kinesis;

public sealed class GameServerKinesisSdkTests(GameServerKinesisFixture fixture) : KinesisSdkCases(fixture), IClassFixture<GameServerKinesisFixture>
{
    protected override bool IsKinesalite => false;
}
