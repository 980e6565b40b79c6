using Game.Functions.Contracts;
using Game.Functions.Games;
using Microsoft.AspNetCore.SignalR.Protocol;
using Xunit.Abstractions;

namespace Game.Tests.Games;

/// <summary>The hall view's ids, groups, slots and frames, tested directly; and what a frame costs on the wire.</summary>
public sealed class HallLayoutTests(ITestOutputHelper output)
{
    private static PlayerProfile Profile(string id, string team = "") => new() { PlayerId = id, Nickname = id, Team = team };

    /// <summary>Undoes the gap encoding of <see cref="HallFrame.ChangedIds"/>, as the display does.</summary>
    private static Dictionary<int, long> Changes(HallFrame frame)
    {
        var changes = new Dictionary<int, long>();
        var id = 0;
        for (var i = 0; i < frame.ChangedIds.Count; i++)
        {
            id += frame.ChangedIds[i];
            changes.Add(id, frame.ChangedScores[i]);
        }

        return changes;
    }

    [Fact]
    public void Add_PlayersAndTeams_IdsInJoinOrderGroupsByFirstPlayerIgnoringCaseSlotsPerGroup()
    {
        var hall = new HallLayout();

        int[] ids = [hall.Add(Profile("a", "Red")), hall.Add(Profile("b", "")), hall.Add(Profile("c", "RED")), hall.Add(Profile("d", "Blue")), hall.Add(Profile("a", "Red"))];

        Assert.Equal([0, 1, 2, 3, 0], ids);
        Assert.Equal(new HallSpot { Id = 2, Group = 0, Groups = 3, Slot = 1, GroupSize = 2 }, hall.SpotOf("c"));
        Assert.Equal(new HallSpot { Id = 1, Group = 1, Groups = 3, Slot = 0, GroupSize = 1 }, hall.SpotOf("b"));
        Assert.Equal(new HallSpot { Id = 3, Group = 2, Groups = 3, Slot = 0, GroupSize = 1 }, hall.SpotOf("d"));
        Assert.Null(hall.SpotOf("nobody"));
        Assert.Equal(4, hall.Count);
    }

    [Fact]
    public void Delta_OnlyChangedScoresAndNewPlayers_GapEncodedAndThenNothing()
    {
        var hall = new HallLayout();
        var scores = new Dictionary<string, long>();
        foreach (var id in new[] { "p0", "p1", "p2", "p3", "p4" })
        {
            hall.Add(Profile(id, id == "p3" ? "Blue" : "Red"));
        }

        var first = hall.Delta("G", 1, id => scores.GetValueOrDefault(id))!;
        Assert.Equal(0, first.JoinedFrom);
        Assert.Equal([0, 0, 0, 1, 0], first.JoinedGroups);
        Assert.Equal(["Red", "Blue"], first.Groups);
        Assert.Empty(first.ChangedIds);
        Assert.Null(hall.Delta("G", 2, id => scores.GetValueOrDefault(id)));

        scores["p1"] = 40;
        scores["p4"] = 7;
        hall.Add(Profile("p5", "green"));
        var second = hall.Delta("G", 3, id => scores.GetValueOrDefault(id))!;

        Assert.False(second.Full);
        Assert.Equal((3L, hall.Epoch), (second.Version, second.Epoch));
        Assert.Equal([1, 3], second.ChangedIds);
        Assert.Equal(new Dictionary<int, long> { [1] = 40, [4] = 7 }, Changes(second));
        Assert.Equal(5, second.JoinedFrom);
        Assert.Equal([2], second.JoinedGroups);
        // A group was added: the whole list again, so a display never holds half of it.
        Assert.Equal(["Red", "Blue", "green"], second.Groups);

        scores["p1"] = 41;
        var third = hall.Delta("G", 4, id => scores.GetValueOrDefault(id))!;
        Assert.Equal(new Dictionary<int, long> { [1] = 41 }, Changes(third));
        Assert.Empty(third.JoinedGroups);
        Assert.Equal(6, third.JoinedFrom);
        Assert.Empty(third.Groups);
    }

    [Fact]
    public void Full_AfterDeltas_EveryPlayerAndScoreAndTheNextDeltaIsUnchanged()
    {
        var hall = new HallLayout();
        var scores = new Dictionary<string, long> { ["p1"] = 5 };
        hall.Add(Profile("p0", "Red"));
        hall.Add(Profile("p1", ""));
        hall.Delta("G", 1, id => scores.GetValueOrDefault(id));
        hall.Add(Profile("p2", "Red"));
        scores["p2"] = 9;

        var full = hall.Full("G", 2, id => scores.GetValueOrDefault(id));
        var next = hall.Delta("G", 3, id => scores.GetValueOrDefault(id))!;

        Assert.True(full.Full);
        Assert.Equal(0, full.JoinedFrom);
        Assert.Equal([0, 1, 0], full.JoinedGroups);
        Assert.Equal(["Red", ""], full.Groups);
        Assert.Equal(new Dictionary<int, long> { [1] = 5, [2] = 9 }, Changes(full));
        // The full frame went to one display; the others still need p2's join and score.
        Assert.Equal(2, next.JoinedFrom);
        Assert.Equal([0], next.JoinedGroups);
        Assert.Equal(new Dictionary<int, long> { [2] = 9 }, Changes(next));
    }

    [Fact]
    public void Epoch_TwoLayouts_Differ() => Assert.NotEqual(new HallLayout().Epoch, new HallLayout().Epoch);

    [Fact]
    public void Scoreboard_Standing_CarriesTheHallSpot()
    {
        var board = new Scoreboard();
        board.Add(Profile("a", "Red"));
        board.Add(Profile("b", "Blue"));
        board.Add(Profile("c", "Red"), score: 10);
        var game = new GameRecord { GameId = "G" };

        var standing = board.Standing("c", game, GamePhase.Lobby, DateTimeOffset.UnixEpoch)!;

        Assert.Equal(new HallSpot { Id = 2, Group = 0, Groups = 2, Slot = 1, GroupSize = 2 }, standing.Hall);
        Assert.Equal(10, board.ScoreOf("c"));
    }

    /// <summary>
    /// What one hall frame costs on the wire: the exact bytes SignalR's MessagePack protocol writes for the hub message,
    /// 5,000 players in 8 teams with scores as a 30 s round leaves them, 10 % of them changed. docs/performance.md quotes
    /// the figures this prints.
    /// </summary>
    [Fact]
    public void WireSize_FiveThousandPlayersTenPercentChanged_UnderThreeKilobytes()
    {
        var random = new Random(16);
        var hall = new HallLayout();
        var scores = new Dictionary<string, long>();
        for (var i = 0; i < 5000; i++)
        {
            var id = "p" + i.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
            hall.Add(Profile(id, "Team " + (i % 8)));
            scores[id] = random.Next(0, 60_000);
        }

        var full = hall.Full("ABCDE", 1, id => scores[id]);
        hall.Delta("ABCDE", 2, id => scores[id]);
        var players = scores.Keys.ToArray();
        var changed = players.OrderBy(_ => random.Next()).Take(500).ToList();
        foreach (var id in changed)
        {
            scores[id] += random.Next(100, 700);
        }

        var delta = hall.Delta("ABCDE", 3, id => scores[id])!;
        var protocol = new MessagePackHubProtocol();
        var fullBytes = protocol.GetMessageBytes(new InvocationMessage(nameof(IPresenterClient.Hall), [full])).Length;
        var deltaBytes = protocol.GetMessageBytes(new InvocationMessage(nameof(IPresenterClient.Hall), [delta])).Length;
        output.WriteLine($"hall frame, 5,000 players: full {fullBytes} bytes; delta with 500 changed {deltaBytes} bytes");

        Assert.Equal(500, delta.ChangedIds.Count);
        Assert.True(deltaBytes < 3_000, $"A delta of 500 players takes {deltaBytes} bytes.");
        Assert.True(fullBytes < 30_000, $"A full frame of 5,000 players takes {fullBytes} bytes.");
    }
}
