using Orleans.Concurrency;

namespace Game.Functions.Contracts;

/// <summary>
/// One game (key: the join code): lifecycle, players, and the live scoreboard that it pushes to displays
/// as coalesced frames.
/// </summary>
public interface IGameGrain : IGrainWithStringKey
{
    /// <summary>Creates the game, or answers the existing one.</summary>
    Task<GameRecord> Create(int roundSeconds);

    /// <summary>The game, or null when no game has this code.</summary>
    Task<GameRecord?> Get();

    /// <summary>Adds a player; null when the game does not exist.</summary>
    Task<PlayerProfile?> Join(string nickname, string team);

    /// <summary>Starts a round after the countdown; null when the game does not exist.</summary>
    Task<GameRecord?> Start();

    /// <summary>Ends the running round now; null when the game does not exist.</summary>
    Task<GameRecord?> Stop();

    /// <summary>
    /// Sets whether scores count per round or add up; it applies from the next round. Null when the game does not exist.
    /// </summary>
    Task<GameRecord?> Configure(ScoreMode scoring);

    /// <summary>
    /// Sets every player's score to 0 between rounds (in the store, so every reader agrees); during a countdown or a
    /// round it changes nothing, and the answer's phase says so. Null when the game does not exist.
    /// </summary>
    Task<GameRecord?> ResetScores();

    /// <summary>The current scoreboard as a frame, with the live chart's recent history.</summary>
    Task<ScoreboardFrame?> Snapshot();

    /// <summary>Every player as a dot of the hall view: a full hall frame; null when the game does not exist.</summary>
    Task<HallFrame?> HallSnapshot();

    /// <summary>A player's standing now, for a phone that (re)connects; null for an unknown player.</summary>
    Task<PhoneStanding?> Standing(string playerId);

    /// <summary>Scores written to the store by a function; coalesced into the next frame.</summary>
    [OneWay]
    Task ScoresChanged(IReadOnlyList<ScoreUpdate> updates);
}
