// Longer than our usual 300 lines on purpose: every rule of ranking, totals, names and the hall layout's ids in one
// place is the point of this type (issue 12: the rule was written six times and disagreed with itself).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Game.Functions.Contracts;

namespace Game.Functions.Games;

/// <summary>
/// One game's scoreboard, the only place that ranks players and totals teams: the live grain, the HTTP scoreboard,
/// the results and the player-rank function all use it, so they cannot disagree. Pure: no I/O, no clock of its own
/// (the caller passes the time), not thread-safe (the grain's turn or one request owns it).
/// </summary>
/// <remarks>
/// <para>The rules, in one place:</para>
/// <list type="bullet">
/// <item><b>Order</b>: highest score first; equal scores by nickname (ordinal, so "Zoe" before "ann"), then by player
/// id (ordinal), so the order is total and the same on every read.</item>
/// <item><b>Rank</b>: standard competition ranking: equal scores share the rank of the first of them and the next
/// rank skips as many places ("1, 2, 2, 4"). The tie order above only decides who is listed first.</item>
/// <item><b>Teams</b>: a team's score is the sum of its players' scores; players without a team are in no team,
/// and their "team score" is their own. Teams are ordered and ranked like players: highest total first, equal
/// totals by team name (ordinal), sharing a rank.</item>
/// </list>
/// <para>Ranking everyone sorts once: O(n log n); one player's rank or team score is O(n) or O(1).</para>
/// </remarks>
public sealed class Scoreboard
{
    /// <summary>The order of the board: score descending, then nickname, then player id (both ordinal).</summary>
    public static readonly IComparer<ScoreboardEntry> Order = Comparer<ScoreboardEntry>.Create(static (a, b) =>
    {
        var byScore = b.Score.CompareTo(a.Score);
        if (byScore != 0)
        {
            return byScore;
        }

        var byName = string.CompareOrdinal(a.Profile.Nickname, b.Profile.Nickname);
        return byName != 0 ? byName : string.CompareOrdinal(a.Profile.PlayerId, b.Profile.PlayerId);
    });

    private static readonly TimeSpan SampleRateWindow = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, ScoreboardEntry> _players = new(StringComparer.Ordinal);
    // Teams match case-insensitively ("Red", "RED" and "red" are one team) and keep the spelling seen first.
    private readonly Dictionary<string, (long Score, int Players)> _teams = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _nicknames = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, long> _appliedSinceLastFrame = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PhoneStanding> _sentStandings = new(StringComparer.Ordinal);
    private readonly Queue<(DateTimeOffset At, int Samples)> _recentSamples = new();

    /// <summary>A board of the players as the store has them (profile and ledger).</summary>
    public static Scoreboard From(IEnumerable<PlayerRow> rows)
    {
        var board = new Scoreboard();
        foreach (var row in rows)
        {
            board.Add(row.Profile, row.Ledger.Score, row.Ledger.LastSeq);
        }

        return board;
    }

    /// <summary>
    /// The names a joining player is shown under: the team's first spelling when the team exists in another case, and
    /// the nickname made unique ("Mika", then "Mika 2", "Mika 3") so two phones never look alike on the display.
    /// Names are compared ignoring case, as a hall reading a projector would; a numbered name that would pass
    /// <see cref="GameLimits.MaxNicknameLength"/> shortens the name before the number.
    /// </summary>
    public (string Nickname, string Team) NamesForJoin(string nickname, string team)
    {
        var shownTeam = team;
        if (team.Length > 0 && _teams.ContainsKey(team))
        {
            shownTeam = _teams.Keys.First(k => string.Equals(k, team, StringComparison.OrdinalIgnoreCase));
        }

        if (!_nicknames.ContainsKey(nickname))
        {
            return (nickname, shownTeam);
        }

        for (var n = 2; ; n++)
        {
            var suffix = " " + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var room = GameLimits.MaxNicknameLength - suffix.Length;
            var stem = nickname.Length <= room ? nickname : nickname[..room];
            if (stem.Length > 0 && char.IsHighSurrogate(stem[^1]))
            {
                stem = stem[..^1];
            }

            var candidate = stem.TrimEnd() + suffix;
            if (!_nicknames.ContainsKey(candidate))
            {
                return (candidate, shownTeam);
            }
        }
    }

    /// <summary>The players as dots of the hall view: their small ids, groups and the hall frames (<see cref="HallLayout"/>).</summary>
    public HallLayout Hall { get; } = new();

    /// <summary>A player's score, 0 for one who never joined.</summary>
    public long ScoreOf(string playerId) => _players.TryGetValue(playerId, out var entry) ? entry.Score : 0;

    /// <summary>The sum of every player's score.</summary>
    public long TotalScore { get; private set; }

    /// <summary>Every player's id, in no particular order.</summary>
    public IEnumerable<string> PlayerIds => _players.Keys;

    /// <summary>How many players have joined.</summary>
    public int PlayerCount => _players.Count;

    /// <summary>The player, or null when no such player joined.</summary>
    public ScoreboardEntry? Find(string playerId) => _players.GetValueOrDefault(playerId);

    /// <summary>Adds a player (a join, or a row read back from the store); a player added twice keeps the later values.</summary>
    public void Add(PlayerProfile profile, long score = 0, long appliedSeq = 0)
    {
        if (_players.TryGetValue(profile.PlayerId, out var existing))
        {
            Untally(existing);
        }

        var entry = new ScoreboardEntry(profile, score, appliedSeq);
        _players[profile.PlayerId] = entry;
        Tally(entry);
        Hall.Add(profile);
    }

    /// <summary>
    /// Applies a ledger as the scoring function wrote it. An update that is not newer than what the board shows (a
    /// phone seq not above the board's) or for a player who never joined changes nothing: a ledger changes its score
    /// only together with its seq, except when scores are reset, and a report written before a reset (same seq, the
    /// old score) may arrive after it. Counted samples feed <see cref="SamplesPerSecond"/>.
    /// </summary>
    /// <returns>True when the player's score or seq was taken.</returns>
    public bool Apply(IReadOnlyList<ScoreUpdate> updates, DateTimeOffset now)
    {
        var counted = 0;
        var changed = false;
        foreach (var update in updates)
        {
            counted += update.CountedSamples;
            // One lookup per update, and only the totals move: the profile (nickname, team) is the same, so
            // untallying and tallying it again (four dictionary writes) would change nothing. This runs in the grain's
            // turn for every player of every scoring invocation (docs/performance.md, 2026-12-02).
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_players, update.PlayerId);
            if (!Unsafe.IsNullRef(ref entry) && update.AppliedSeq > entry.AppliedSeq)
            {
                if (entry.Profile.Team.Length > 0 && update.Score != entry.Score)
                {
                    ref var team = ref CollectionsMarshal.GetValueRefOrNullRef(_teams, entry.Profile.Team);
                    team.Score += update.Score - entry.Score;
                }

                TotalScore += update.Score - entry.Score;
                entry = entry with { Score = update.Score, AppliedSeq = update.AppliedSeq };
                _appliedSinceLastFrame[update.PlayerId] = update.AppliedSeq;
                changed = true;
            }
        }

        if (counted > 0)
        {
            _recentSamples.Enqueue((now, counted));
        }

        return changed;
    }

    /// <summary>Samples that counted in the second before <paramref name="now"/>; older entries are forgotten.</summary>
    public long SamplesPerSecond(DateTimeOffset now)
    {
        while (_recentSamples.TryPeek(out var oldest) && oldest.At <= now - SampleRateWindow)
        {
            _recentSamples.Dequeue();
        }

        var sum = 0L;
        foreach (var (_, samples) in _recentSamples)
        {
            sum += samples;
        }

        return sum;
    }

    /// <summary>
    /// True while counted samples are remembered that the last frame showed: one more frame is due, even if it is the
    /// one in which they have aged out and the live chart falls back to 0.
    /// </summary>
    public bool HasRecentSamples => _recentSamples.Count > 0;

    /// <summary>Everyone in board order with their rank. O(n log n).</summary>
    public IReadOnlyList<PlayerPlace> Ranked()
    {
        var ordered = _players.Values.ToArray();
        Array.Sort(ordered, Order);
        var ranked = new PlayerPlace[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            var rank = i > 0 && ordered[i - 1].Score == ordered[i].Score ? ranked[i - 1].Rank : i + 1;
            ranked[i] = new PlayerPlace(rank, ordered[i]);
        }

        return ranked;
    }

    /// <summary>The first <paramref name="count"/> players in board order (the leaderboard).</summary>
    public IReadOnlyList<PlayerStanding> Top(int count) =>
        _players.Values.Order(Order).Take(count).Select(p => p.ToStanding()).ToList();

    /// <summary>A player's rank: 1 + how many have a strictly higher score. O(n).</summary>
    public int RankOf(ScoreboardEntry player)
    {
        var higher = 0;
        foreach (var other in _players.Values)
        {
            if (other.Score > player.Score)
            {
                higher++;
            }
        }

        return higher + 1;
    }

    /// <summary>The total of the player's team, or the player's own score without a team.</summary>
    public long TeamScoreOf(ScoreboardEntry player) =>
        player.Profile.Team.Length == 0 ? player.Score : _teams.GetValueOrDefault(player.Profile.Team).Score;

    /// <summary>The teams in board order (total descending, then name ordinal), with their rank.</summary>
    public IReadOnlyList<TeamPlace> Teams()
    {
        var ordered = _teams
            .Select(t => new TeamStanding { Team = t.Key, Score = t.Value.Score, Players = t.Value.Players })
            .ToArray();
        Array.Sort(ordered, static (a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Team, b.Team));
        var ranked = new TeamPlace[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            var rank = i > 0 && ordered[i - 1].Score == ordered[i].Score ? ranked[i - 1].Rank : i + 1;
            ranked[i] = new TeamPlace(rank, ordered[i]);
        }

        return ranked;
    }

    /// <summary>
    /// The display's frame: top <see cref="GameLimits.LeaderboardSize"/> leaders, every team, the round's clock and the
    /// sample rate. With <paramref name="includeApplied"/> the frame lists the players changed since the last such
    /// frame (for the load tool's delay probe) and that list starts over.
    /// </summary>
    public ScoreboardFrame Frame(GameRecord game, GamePhase phase, long version, DateTimeOffset now, bool includeApplied)
    {
        IReadOnlyDictionary<string, long> applied = new Dictionary<string, long>();
        if (includeApplied)
        {
            applied = new Dictionary<string, long>(_appliedSinceLastFrame);
            _appliedSinceLastFrame.Clear();
        }

        return new ScoreboardFrame
        {
            GameId = game.GameId,
            Phase = phase,
            Version = version,
            PlayerCount = _players.Count,
            Leaders = Top(GameLimits.LeaderboardSize),
            Teams = Teams().Select(t => t.Team).ToList(),
            RoundStartsAt = game.RoundStartsAt?.ToUnixTimeMilliseconds() ?? 0,
            RoundEndsAt = game.RoundEndsAt?.ToUnixTimeMilliseconds() ?? 0,
            ServerTime = now.ToUnixTimeMilliseconds(),
            SamplesPerSecond = SamplesPerSecond(now),
            Applied = applied,
            Round = game.Round,
            Scoring = game.Scoring,
        };
    }

    /// <summary>One phone's standing now, or null for a player who never joined.</summary>
    public PhoneStanding? Standing(string playerId, GameRecord game, GamePhase phase, DateTimeOffset now) =>
        _players.TryGetValue(playerId, out var me) ? ToStanding(game, me, RankOf(me), phase, now) : null;

    /// <summary>
    /// The standings that changed since each phone was last handed one by this method (the server time aside), and
    /// remembers them as handed. A hall of phones must not cost one message per phone per frame. O(n log n).
    /// </summary>
    public IReadOnlyList<PhoneStanding> ChangedStandings(GameRecord game, GamePhase phase, DateTimeOffset now)
    {
        var changed = new List<PhoneStanding>();
        foreach (var (rank, me) in Ranked())
        {
            var standing = ToStanding(game, me, rank, phase, now);
            if (!_sentStandings.TryGetValue(me.Profile.PlayerId, out var sent) || sent with { ServerTime = 0 } != standing with { ServerTime = 0 })
            {
                _sentStandings[me.Profile.PlayerId] = standing;
                changed.Add(standing);
            }
        }

        return changed;
    }

    private PhoneStanding ToStanding(GameRecord game, ScoreboardEntry me, int rank, GamePhase phase, DateTimeOffset now) => new()
    {
        GameId = game.GameId,
        PlayerId = me.Profile.PlayerId,
        Phase = phase,
        Score = me.Score,
        Rank = rank,
        Players = _players.Count,
        Team = me.Profile.Team,
        TeamScore = TeamScoreOf(me),
        RoundStartsAt = game.RoundStartsAt?.ToUnixTimeMilliseconds() ?? 0,
        RoundEndsAt = game.RoundEndsAt?.ToUnixTimeMilliseconds() ?? 0,
        ServerTime = now.ToUnixTimeMilliseconds(),
        AppliedSeq = me.AppliedSeq,
        Hall = Hall.SpotOf(me.Profile.PlayerId),
    };

    private void Tally(ScoreboardEntry entry)
    {
        TotalScore += entry.Score;
        _nicknames[entry.Profile.Nickname] = _nicknames.GetValueOrDefault(entry.Profile.Nickname) + 1;
        if (entry.Profile.Team.Length > 0)
        {
            var (score, players) = _teams.GetValueOrDefault(entry.Profile.Team);
            _teams[entry.Profile.Team] = (score + entry.Score, players + 1);
        }
    }

    private void Untally(ScoreboardEntry entry)
    {
        TotalScore -= entry.Score;
        if (_nicknames[entry.Profile.Nickname] == 1)
        {
            _nicknames.Remove(entry.Profile.Nickname);
        }
        else
        {
            _nicknames[entry.Profile.Nickname]--;
        }

        if (entry.Profile.Team.Length > 0)
        {
            var (score, players) = _teams[entry.Profile.Team];
            if (players == 1)
            {
                _teams.Remove(entry.Profile.Team);
            }
            else
            {
                _teams[entry.Profile.Team] = (score - entry.Score, players - 1);
            }
        }
    }
}

/// <summary>A player on the board: who they are, their score, and the highest phone seq that score reflects.</summary>
public sealed record ScoreboardEntry(PlayerProfile Profile, long Score, long AppliedSeq)
{
    /// <summary>The player as a display lists them.</summary>
    public PlayerStanding ToStanding() =>
        new() { PlayerId = Profile.PlayerId, Nickname = Profile.Nickname, Team = Profile.Team, Score = Score };
}

/// <summary>A player and their place (ties share a rank).</summary>
public readonly record struct PlayerPlace(int Rank, ScoreboardEntry Player);

/// <summary>A team's total and its place (ties share a rank).</summary>
public readonly record struct TeamPlace(int Rank, TeamStanding Team);
