using Game.Functions.Contracts;
using Microsoft.Extensions.Logging;

namespace Game.Functions.Games;

/// <summary>
/// Rounds: the scoring mode (per round or running total), resetting scores between rounds, the round's points, and
/// the live chart's recent past that a display's snapshot carries. The lifecycle itself is in GameGrain.cs.
/// </summary>
public sealed partial class GameGrain
{
    public async Task<GameRecord?> Configure(ScoreMode scoring)
    {
        if (KnownGame() is not { } game)
        {
            return null;
        }

        if (game.Scoring != scoring)
        {
            var configured = game with { Scoring = scoring };
            await store.SaveGameAsync(configured, CancellationToken.None);
            _game = game = configured;
            LogScoring(logger, game.GameId, scoring);
            Changed();
        }

        return game with { Phase = PhaseAt(game, time.GetUtcNow()) };
    }

    public async Task<GameRecord?> ResetScores()
    {
        if (KnownGame() is not { } game)
        {
            return null;
        }

        if (!IsLive(PhaseAt(game, time.GetUtcNow())))
        {
            await ResetLedgersAsync(game);
            // The last round's points are history now: its result is not "nobody shook".
            _totalAtRoundStart = null;
            Changed();
        }

        return game with { Phase = PhaseAt(game, time.GetUtcNow()) };
    }

    /// <summary>
    /// Sets every player's score to 0 in the store (a conditional write per ledger, so a batch the scoring function
    /// writes meanwhile is neither lost nor doubled; seqs and device times stay, so nothing is counted twice), then
    /// on the board. Every player, not only those the board shows with points: a score the scoring function has
    /// written but not yet reported must be reset too. One write per player: for a hall of thousands this takes a
    /// moment, which is why it happens only between rounds.
    /// </summary>
    private async Task ResetLedgersAsync(GameRecord game)
    {
        var updates = _board.PlayerIds
            .Select(id => (id, (Func<PlayerLedger, PlayerLedger>)(static ledger => ledger with { Score = 0 })))
            .ToList();
        if (updates.Count == 0)
        {
            return;
        }

        var written = await store.UpdateLedgersAsync(game.GameId, updates, CancellationToken.None);
        foreach (var (playerId, ledger) in written)
        {
            if (_board.Find(playerId) is { } player)
            {
                _board.Add(player.Profile, ledger.Score, ledger.LastSeq);
            }
        }

        LogReset(logger, game.GameId, written.Count);
    }

    private ScoreboardFrame WithRound(ScoreboardFrame frame) =>
        frame with { RoundPoints = _totalAtRoundStart is { } start ? _board.TotalScore - start : -1 };

    /// <summary>Keeps a point of the live chart at most every <see cref="HistoryStep"/>, for the next snapshot.</summary>
    private void RecordRate(DateTimeOffset now, long samplesPerSecond)
    {
        var at = now.ToUnixTimeMilliseconds();
        if (_history.Count == 0 || at - _history.Last().Time >= HistoryStep.TotalMilliseconds)
        {
            _history.Enqueue(new RatePoint { Time = at, SamplesPerSecond = samplesPerSecond });
        }

        TrimHistory(now);
    }

    private void TrimHistory(DateTimeOffset now)
    {
        var oldest = (now - HistorySpan).ToUnixTimeMilliseconds();
        while (_history.TryPeek(out var point) && point.Time < oldest)
        {
            _history.Dequeue();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Game {GameId}: scores now count {Scoring}")]
    private static partial void LogScoring(ILogger logger, string gameId, ScoreMode scoring);

    [LoggerMessage(Level = LogLevel.Information, Message = "Game {GameId}: {Players} players' scores reset to 0")]
    private static partial void LogReset(ILogger logger, string gameId, int players);
}
