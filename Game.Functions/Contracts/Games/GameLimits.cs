
namespace Game.Functions.Contracts;

/// <summary>Limits every part agrees on.</summary>
public static class GameLimits
{
    public const int LeaderboardSize = 10;
    public const int MaxSamplesPerBatch = 200;
    public const int MaxNicknameLength = 24;
    public const int MaxTeamLength = 24;
}
