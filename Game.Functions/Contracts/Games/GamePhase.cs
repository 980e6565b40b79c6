
namespace Game.Functions.Contracts;

/// <summary>Where a game is in its life.</summary>
public enum GamePhase
{
    Lobby = 0,
    Countdown = 1,
    Running = 2,
    Finished = 3,
}
