using Game.Functions.Contracts;
using Game.Functions.Games;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.Games;

/// <summary>The one ranking, tie and team rule of the game, tested directly.</summary>
public sealed class ScoreboardTests
{
    private static readonly GameRecord Game = new()
    {
        GameId = "ABCDE",
        Phase = GamePhase.Running,
        Round = 1,
        RoundSeconds = 30,
        RoundStartsAt = DateTimeOffset.Parse("2026-12-01T12:00:00Z"),
        RoundEndsAt = DateTimeOffset.Parse("2026-12-01T12:00:30Z"),
    };

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-01T12:00:10Z"));

    private static PlayerProfile Profile(string id, string nickname, string team = "") => new() { PlayerId = id, Nickname = nickname, Team = team };

    private static Scoreboard Board(params (string Id, string Nickname, string Team, long Score)[] players)
    {
        var board = new Scoreboard();
        foreach (var (id, nickname, team, score) in players)
        {
            board.Add(Profile(id, nickname, team), score);
        }

        return board;
    }

    [Fact]
    public void Ranked_EqualScores_ShareARankAndTheNextSkips()
    {
        var board = Board(("p1", "Zoe", "", 50), ("p2", "Ann", "", 80), ("p3", "Bob", "", 80), ("p4", "Cid", "", 30), ("p5", "Dan", "", 30), ("p6", "Eve", "", 0));

        var ranked = board.Ranked().Select(r => (r.Rank, r.Player.Profile.PlayerId)).ToList();

        Assert.Equal([(1, "p2"), (1, "p3"), (3, "p1"), (4, "p4"), (4, "p5"), (6, "p6")], ranked);
    }

    [Fact]
    public void Ranked_TiedScores_ListedByNicknameOrdinalThenPlayerId()
    {
        // Ordinal: upper case before lower case; the same nickname twice is ordered by player id.
        var board = Board(("p9", "ann", "", 10), ("p2", "Bob", "", 10), ("p7", "Ann", "", 10), ("p3", "Ann", "", 10));

        var ranked = board.Ranked().Select(r => (r.Rank, r.Player.Profile.PlayerId)).ToList();

        Assert.Equal([(1, "p3"), (1, "p7"), (1, "p2"), (1, "p9")], ranked);
    }

    [Fact]
    public void Teams_SumTheirPlayersTeamlessPlayersAreInNoTeamTiesByName()
    {
        var board = Board(("p1", "A", "red", 30), ("p2", "B", "red", 20), ("p3", "C", "blue", 50), ("p4", "D", "", 99), ("p5", "E", "green", 10));

        var teams = board.Teams().Select(t => (t.Rank, t.Team.Team, t.Team.Score, t.Team.Players)).ToList();

        Assert.Equal([(1, "blue", 50L, 1), (1, "red", 50L, 2), (3, "green", 10L, 1)], teams);
    }

    [Fact]
    public void TeamScoreOf_WithoutTeam_IsTheOwnScore()
    {
        var board = Board(("p1", "A", "red", 30), ("p2", "B", "red", 20), ("p3", "C", "", 7));

        Assert.Equal(50, board.TeamScoreOf(board.Find("p1")!));
        Assert.Equal(7, board.TeamScoreOf(board.Find("p3")!));
    }

    [Fact]
    public void Apply_NewerUpdate_MovesScoreAndTeamTotalOlderOrUnknownChangeNothing()
    {
        var board = Board(("p1", "A", "red", 0), ("p2", "B", "red", 0));
        var now = _time.GetUtcNow();

        Assert.True(board.Apply([new ScoreUpdate("p1", 100, AppliedSeq: 5, CountedSamples: 10)], now));
        Assert.False(board.Apply([new ScoreUpdate("p1", 40, AppliedSeq: 4, CountedSamples: 0)], now));
        Assert.False(board.Apply([new ScoreUpdate("nobody", 999, AppliedSeq: 9, CountedSamples: 0)], now));
        Assert.True(board.Apply([new ScoreUpdate("p2", 30, AppliedSeq: 1, CountedSamples: 3)], now));

        Assert.Equal(new ScoreboardEntry(Profile("p1", "A", "red"), 100, 5), board.Find("p1"));
        Assert.Equal((130L, 2), (board.Teams().Single().Team.Score, board.Teams().Single().Team.Players));
        Assert.Equal(2, board.PlayerCount);
    }

    [Fact]
    public void Apply_ManyUpdates_TotalsStayTheSumAndNamesStayTaken()
    {
        // Apply moves only the team's total by each difference (no untally and tally per update): the totals must
        // still be the sums, a team spelt in another case still one team, and the nicknames still taken.
        var board = Board(("p1", "Mika", "Red", 0), ("p2", "Ana", "RED", 0), ("p3", "Lou", "", 0));
        var now = _time.GetUtcNow();
        for (var seq = 1; seq <= 50; seq++)
        {
            board.Apply([new ScoreUpdate("p1", seq * 7, seq, 1), new ScoreUpdate("p2", seq * 3, seq, 1), new ScoreUpdate("p3", seq, seq, 1)], now);
        }

        board.Apply([new ScoreUpdate("p1", 300, AppliedSeq: 51, CountedSamples: 0)], now);

        var red = Assert.Single(board.Teams()).Team;
        Assert.Equal(("Red", 300L + 150, 2), (red.Team, red.Score, red.Players));
        Assert.Equal(50, board.TeamScoreOf(board.Find("p3")!));
        Assert.Equal(("mika 2", "Red"), board.NamesForJoin("mika", "red"));
        // The round's points on the display come from the board's total, so it must be the sum too.
        Assert.Equal(300L + 150 + 50, board.TotalScore);
    }

    [Fact]
    public void Add_SamePlayerTwice_KeepsOneEntryAndTheTeamTotalRight()
    {
        var board = Board(("p1", "A", "red", 10));

        board.Add(Profile("p1", "A", "red"), 25, 3);

        Assert.Equal(1, board.PlayerCount);
        Assert.Equal((25L, 1), (board.Teams().Single().Team.Score, board.Teams().Single().Team.Players));
    }

    [Fact]
    public void RankOf_AgreesWithRankedForEveryPlayer()
    {
        var board = Board(("p1", "A", "", 5), ("p2", "B", "", 9), ("p3", "C", "", 5), ("p4", "D", "", 1), ("p5", "E", "", 9));

        foreach (var (rank, player) in board.Ranked())
        {
            Assert.Equal(rank, board.RankOf(player));
        }
    }

    [Fact]
    public void Top_TakesTheFirstInBoardOrder()
    {
        var board = Board(("p1", "A", "", 5), ("p2", "B", "", 9), ("p3", "C", "", 7), ("p4", "D", "", 7));

        Assert.Equal(["p2", "p3", "p4"], board.Top(3).Select(p => p.PlayerId));
    }

    [Fact]
    public void Frame_CarriesLeadersTeamsClockAndTheSampleRateOfTheLastSecond()
    {
        var board = Board(Enumerable.Range(1, 12).Select(i => ($"p{i:00}", $"N{i:00}", i % 2 == 0 ? "even" : "odd", (long)i)).ToArray());
        board.Apply([new ScoreUpdate("p01", 1, 1, CountedSamples: 40)], _time.GetUtcNow());
        _time.Advance(TimeSpan.FromMilliseconds(600));
        board.Apply([new ScoreUpdate("p02", 2, 1, CountedSamples: 25)], _time.GetUtcNow());

        var frame = board.Frame(Game, GamePhase.Running, version: 7, _time.GetUtcNow(), includeApplied: true);

        Assert.Equal(GameLimits.LeaderboardSize, frame.Leaders.Count);
        Assert.Equal(Enumerable.Range(3, 10).Reverse().Select(i => $"p{i:00}"), frame.Leaders.Select(l => l.PlayerId));
        Assert.Equal([new TeamStanding { Team = "even", Score = 42, Players = 6 }, new TeamStanding { Team = "odd", Score = 36, Players = 6 }], frame.Teams);
        Assert.Equal((7L, 12, GamePhase.Running), (frame.Version, frame.PlayerCount, frame.Phase));
        Assert.Equal(Game.RoundStartsAt!.Value.ToUnixTimeMilliseconds(), frame.RoundStartsAt);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), frame.ServerTime);
        Assert.Equal(65, frame.SamplesPerSecond);
        Assert.Equal(new Dictionary<string, long> { ["p01"] = 1, ["p02"] = 1 }, frame.Applied);

        _time.Advance(TimeSpan.FromMilliseconds(400));
        var later = board.Frame(Game, GamePhase.Running, version: 8, _time.GetUtcNow(), includeApplied: true);

        Assert.Equal(25, later.SamplesPerSecond);
        Assert.Empty(later.Applied);
        Assert.True(board.HasRecentSamples);
        _time.Advance(TimeSpan.FromMilliseconds(600));
        Assert.Equal(0, board.Frame(Game, GamePhase.Running, version: 9, _time.GetUtcNow(), includeApplied: false).SamplesPerSecond);
        Assert.False(board.HasRecentSamples);
    }

    [Fact]
    public void Frame_WithoutApplied_KeepsTheChangesForTheNextProbeFrame()
    {
        var board = Board(("p1", "A", "", 0));
        board.Apply([new ScoreUpdate("p1", 5, 3, 1)], _time.GetUtcNow());

        Assert.Empty(board.Frame(Game, GamePhase.Running, 1, _time.GetUtcNow(), includeApplied: false).Applied);
        Assert.Equal(new Dictionary<string, long> { ["p1"] = 3 }, board.Frame(Game, GamePhase.Running, 2, _time.GetUtcNow(), includeApplied: true).Applied);
    }

    [Fact]
    public void ChangedStandings_OnlyPhonesWhoseStandingChangedTheClockAside()
    {
        var board = Board(("p1", "A", "red", 10), ("p2", "B", "red", 20), ("p3", "C", "", 5));

        var first = board.ChangedStandings(Game, GamePhase.Running, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(1));
        var unchanged = board.ChangedStandings(Game, GamePhase.Running, _time.GetUtcNow());
        board.Apply([new ScoreUpdate("p3", 15, 2, 1)], _time.GetUtcNow());
        var afterScore = board.ChangedStandings(Game, GamePhase.Running, _time.GetUtcNow());

        Assert.Equal([("p2", 1, 30L), ("p1", 2, 30L), ("p3", 3, 5L)], first.Select(s => (s.PlayerId, s.Rank, s.TeamScore)));
        Assert.Empty(unchanged);
        // p3 passes p1: both their ranks change; p2 keeps rank 1 and its team total.
        Assert.Equal([("p3", 2, 15L), ("p1", 3, 30L)], afterScore.Select(s => (s.PlayerId, s.Rank, s.TeamScore)));
        Assert.All(afterScore, s => Assert.Equal((3, GamePhase.Running, _time.GetUtcNow().ToUnixTimeMilliseconds()), (s.Players, s.Phase, s.ServerTime)));
    }

    [Fact]
    public void Standing_OnePlayer_MatchesTheRankedBoardAndUnknownIsNull()
    {
        var board = Board(("p1", "A", "red", 10), ("p2", "B", "red", 20), ("p3", "C", "", 20));

        var standing = board.Standing("p1", Game, GamePhase.Finished, _time.GetUtcNow());

        Assert.Equal(
            new PhoneStanding
            {
                GameId = "ABCDE", PlayerId = "p1", Phase = GamePhase.Finished, Score = 10, Rank = 3, Players = 3, Team = "red", TeamScore = 30,
                RoundStartsAt = Game.RoundStartsAt!.Value.ToUnixTimeMilliseconds(), RoundEndsAt = Game.RoundEndsAt!.Value.ToUnixTimeMilliseconds(),
                ServerTime = _time.GetUtcNow().ToUnixTimeMilliseconds(), AppliedSeq = 0,
                Hall = new HallSpot { Id = 0, Group = 0, Groups = 2, Slot = 0, GroupSize = 2 },
            },
            standing);
        Assert.Null(board.Standing("nobody", Game, GamePhase.Finished, _time.GetUtcNow()));
    }

    [Fact]
    public void From_StoreRows_TakesScoreAndLastSeq()
    {
        var board = Scoreboard.From([new PlayerRow(Profile("p1", "A", "red"), new PlayerLedger { Score = 12, LastSeq = 4 })]);

        Assert.Equal(new ScoreboardEntry(Profile("p1", "A", "red"), 12, 4), board.Find("p1"));
    }

    [Fact]
    public void NamesForJoin_TeamInAnotherCase_IsTheFirstSpellingAndOneTeam()
    {
        var board = Board(("p1", "Ann", "Red", 10));

        var (_, team) = board.NamesForJoin("Bob", "RED");
        board.Add(Profile("p2", "Bob", team), 5);
        board.Add(Profile("p3", "Cid", "red"), 1);

        Assert.Equal("Red", team);
        var only = Assert.Single(board.Teams());
        Assert.Equal(("Red", 16L, 3), (only.Team.Team, only.Team.Score, only.Team.Players));
    }

    [Fact]
    public void NamesForJoin_SameNickname_IsNumberedIgnoringCase()
    {
        var board = Board(("p1", "Mika", "", 0));

        var second = board.NamesForJoin("Mika", "").Nickname;
        board.Add(Profile("p2", second), 0);
        var third = board.NamesForJoin("mika", "").Nickname;
        board.Add(Profile("p3", third), 0);
        var fresh = board.NamesForJoin("Mikael", "").Nickname;

        Assert.Equal(("Mika 2", "mika 3", "Mikael"), (second, third, fresh));
    }

    [Fact]
    public void NamesForJoin_LongNickname_ShortensBeforeTheNumber()
    {
        var name = new string('x', GameLimits.MaxNicknameLength);
        var board = Board(("p1", name, "", 0));

        var shown = board.NamesForJoin(name, "").Nickname;

        Assert.Equal(new string('x', GameLimits.MaxNicknameLength - 2) + " 2", shown);
        Assert.Equal(GameLimits.MaxNicknameLength, shown.Length);
    }
}
