namespace Game.Functions.Contracts;

/// <summary>What a game's scores count: every round added up, or each round on its own.</summary>
public enum ScoreMode
{
    /// <summary>Scores add up over the rounds (the default, and how games always counted before the setting existed).</summary>
    RunningTotal = 0,

    /// <summary>Each round starts everyone at 0: the scores, the podium and the results are the round's alone.</summary>
    PerRound = 1,
}
