using System.ComponentModel.DataAnnotations;

namespace Game.Functions.Games;

/// <summary>Game settings, bound from the <c>Game</c> configuration section.</summary>
public sealed class GameOptions
{
    public const string Section = "Game";

    /// <summary>Round length when a presenter does not give one. Default 30 s.</summary>
    [Range(5, 3600)]
    public int DefaultRoundSeconds { get; set; } = 30;

    /// <summary>The 3-2-1 before a round counts. Default 3 s.</summary>
    [Range(0, 10)]
    public int CountdownSeconds { get; set; } = 3;

    /// <summary>Frames per second per game pushed to displays, at most. Default 20.</summary>
    [Range(1, 60)]
    public int MaxFramesPerSecond { get; set; } = 20;

    /// <summary>
    /// Players one game takes; a join beyond it is refused (409). Default 10,000: the largest hall the load tool has
    /// measured (docs/performance.md), while a script that joins in a loop cannot grow one game's scoreboard (and
    /// every frame and standing built from it) without end.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxPlayersPerGame { get; set; } = 10_000;
}
