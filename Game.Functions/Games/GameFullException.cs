using System.Globalization;

namespace Game.Functions.Games;

/// <summary>A join refused because the game already has <see cref="GameOptions.MaxPlayersPerGame"/> players.</summary>
[GenerateSerializer]
public sealed class GameFullException : Exception
{
    public GameFullException(string gameId, int limit)
        : base($"This game is full ({limit.ToString("N0", CultureInfo.InvariantCulture)} players).")
    {
        GameId = gameId;
        Limit = limit;
    }

    /// <summary>The game's join code.</summary>
    [Id(0)] public string GameId { get; }

    /// <summary>The player cap that was reached.</summary>
    [Id(1)] public int Limit { get; }
}
