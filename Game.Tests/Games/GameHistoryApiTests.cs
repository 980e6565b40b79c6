using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Server.Games;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace Game.Tests.Games;

/// <summary>One real server for the HTTP tests of this class; the ranking and CSV rules are tested directly.</summary>
public sealed class GameHistoryServerFixture : IAsyncLifetime
{
    public ServerProcess Server { get; } = new(new Dictionary<string, string> { ["Game:CountdownSeconds"] = "0" });

    public Task InitializeAsync() => Server.StartAsync();

    public Task DisposeAsync() => Server.DisposeAsync().AsTask();
}

public sealed class GameHistoryApiTests(GameHistoryServerFixture fixture) : IClassFixture<GameHistoryServerFixture>
{
    private static readonly TimeSpan ScoreDeadline = TimeSpan.FromSeconds(20);

    [Fact]
    public void Rank_TiedScores_ShareARankAndTheNextRankSkips()
    {
        var game = new GameRecord { GameId = "ABCDE", Phase = GamePhase.Finished, Round = 2, RoundSeconds = 30, CreatedAt = DateTimeOffset.UnixEpoch };
        var rows = new[]
        {
            Row("p1", "Zoe", "red", 50),
            Row("p2", "Ann", "blue", 80),
            Row("p3", "Bob", "", 80),
            Row("p4", "Cid", "red", 30),
            Row("p5", "Dan", "blue", 0),
        };

        var results = GameHistoryApi.Rank(game, rows);

        Assert.Equal(
            [
                new GameHistoryApi.RankedPlayer(1, "p2", "Ann", "blue", 80),
                new GameHistoryApi.RankedPlayer(1, "p3", "Bob", "", 80),
                new GameHistoryApi.RankedPlayer(3, "p1", "Zoe", "red", 50),
                new GameHistoryApi.RankedPlayer(4, "p4", "Cid", "red", 30),
                new GameHistoryApi.RankedPlayer(5, "p5", "Dan", "blue", 0),
            ],
            results.Players);
        Assert.Equal([new GameHistoryApi.RankedTeam(1, "blue", 80, 2), new GameHistoryApi.RankedTeam(1, "red", 80, 2)], results.Teams);
        Assert.Equal(("ABCDE", "finished", 2, 30), (results.GameId, results.State, results.Round, results.RoundSeconds));
    }

    [Fact]
    public void Rank_HundredThousandTiedPlayers_IsNotQuadratic()
    {
        // Each tied player used to walk back to the first of the tie: 100,000 ties took minutes (~5e9 steps). Ranked in
        // one pass they take well under a second, so a bound of 30 s tells the two apart even on a starved core.
        var game = new GameRecord { GameId = "ABCDE", Phase = GamePhase.Finished };
        var rows = Enumerable.Range(0, 100_000).Select(i => Row($"p{i:000000}", "same", "", 100)).ToArray();

        var clock = Stopwatch.StartNew();
        var results = GameHistoryApi.Rank(game, rows);
        clock.Stop();

        Assert.All(results.Players, p => Assert.Equal(1, p.Rank));
        Assert.Equal("p000000", results.Players[0].PlayerId);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"ranking 100,000 ties took {clock.Elapsed}");
    }

    [Fact]
    public void ToCsv_NicknamesWithCommaQuoteAndLineBreak_QuotedPerRfc4180AndReadBackUnchanged()
    {
        var game = new GameRecord { GameId = "ABCDE", Phase = GamePhase.Finished };
        var rows = new[]
        {
            Row("p1", "Smith, Jane", "red", 30),
            Row("p2", "The \"Rock\"", "blue,green", 20),
            Row("p3", "two\r\nlines", "", 10),
            Row("p4", "plain", "red", 5),
        };

        var csv = GameHistoryApi.ToCsv(GameHistoryApi.Rank(game, rows));

        Assert.Equal(
            "rank,playerId,nickname,team,score,kind,players\r\n" +
            "1,p1,\"Smith, Jane\",red,30,player,\r\n" +
            "2,p2,\"The \"\"Rock\"\"\",\"blue,green\",20,player,\r\n" +
            "3,p3,\"two\r\nlines\",,10,player,\r\n" +
            "4,p4,plain,red,5,player,\r\n" +
            "1,,,red,35,team,2\r\n" +
            "2,,,\"blue,green\",20,team,1\r\n",
            csv);
        Assert.Equal(
            [
                ["rank", "playerId", "nickname", "team", "score", "kind", "players"],
                ["1", "p1", "Smith, Jane", "red", "30", "player", ""],
                ["2", "p2", "The \"Rock\"", "blue,green", "20", "player", ""],
                ["3", "p3", "two\r\nlines", "", "10", "player", ""],
                ["4", "p4", "plain", "red", "5", "player", ""],
                ["1", "", "", "red", "35", "team", "2"],
                ["2", "", "", "blue,green", "20", "team", "1"],
            ],
            ParseCsv(csv));
    }

    [Fact]
    public async Task Results_FinishedGame_PlayersRankedWithExactScoresTeamsAndRoundInfo()
    {
        using var client = new GameClient(fixture.Server);
        var (game, players, expected) = await PlayFinishedGameAsync(client);

        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.BaseUrl) };
        var results = await http.GetFromJsonAsync<GameHistoryApi.GameResults>($"/api/games/{game.GameId.ToLowerInvariant()}/results");

        Assert.NotNull(results);
        Assert.Equal((game.GameId, "finished", 1, 60), (results.GameId, results.State, results.Round, results.RoundSeconds));
        Assert.NotNull(results.RoundStartsAt);
        Assert.NotNull(results.RoundEndsAt);
        Assert.True(results.RoundEndsAt >= results.RoundStartsAt);
        Assert.Equal(
            [
                new GameHistoryApi.RankedPlayer(1, players[2].PlayerId, "The \"Rock\"", "blue", expected[2]),
                new GameHistoryApi.RankedPlayer(2, players[0].PlayerId, "Ada", "red", expected[0]),
                new GameHistoryApi.RankedPlayer(2, players[1].PlayerId, "Smith, Jane", "red", expected[1]),
            ],
            results.Players);
        Assert.Equal(
            [new GameHistoryApi.RankedTeam(1, "blue", expected[2], 1), new GameHistoryApi.RankedTeam(2, "red", expected[0] + expected[1], 2)],
            results.Teams);
    }

    [Fact]
    public async Task ResultsCsv_FinishedGame_TextCsvWithQuotedNicknames()
    {
        using var client = new GameClient(fixture.Server);
        var (game, players, expected) = await PlayFinishedGameAsync(client);

        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.BaseUrl) };
        var response = await http.GetAsync($"/api/games/{game.GameId}/results.csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"shake-{game.GameId}-results.csv", response.Content.Headers.ContentDisposition?.FileName);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        // The byte order mark that tells Excel the file is UTF-8.
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        var teams = new[] { ("blue", expected[2], 1), ("red", expected[0] + expected[1], 2) }.OrderByDescending(t => t.Item2).ToArray();
        Assert.Equal(
            "rank,playerId,nickname,team,score,kind,players\r\n" +
            $"1,{players[2].PlayerId},\"The \"\"Rock\"\"\",blue,{expected[2]},player,\r\n" +
            $"2,{players[0].PlayerId},Ada,red,{expected[0]},player,\r\n" +
            $"2,{players[1].PlayerId},\"Smith, Jane\",red,{expected[1]},player,\r\n" +
            $"1,,,{teams[0].Item1},{teams[0].Item2},team,{teams[0].Item3}\r\n" +
            $"2,,,{teams[1].Item1},{teams[1].Item2},team,{teams[1].Item3}\r\n",
            Encoding.UTF8.GetString(bytes[3..]));
    }

    [Theory]
    [InlineData("results")]
    [InlineData("results.csv")]
    public async Task Results_UnknownGame_NotFound(string resource)
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.BaseUrl) };

        var response = await http.GetAsync($"/api/games/NOPE9/{resource}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("No game has the code 'NOPE9'.", await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Three players: Ada and Jane send the same samples (a tie), "The Rock" sends stronger ones; the game is stopped
    /// once the store holds every score. Answers the expected scores, by player index.
    /// </summary>
    private static async Task<(GameClient.CreatedGame Game, GameClient.JoinedPlayer[] Players, long[] Expected)> PlayFinishedGameAsync(GameClient client)
    {
        var game = await client.CreateGameAsync(roundSeconds: 60);
        var players = new[]
        {
            await client.JoinAsync(game.GameId, "Ada", "red"),
            await client.JoinAsync(game.GameId, "Smith, Jane", "red"),
            await client.JoinAsync(game.GameId, "The \"Rock\"", "blue"),
        };
        await client.StartAsync(game.GameId);

        var expected = new long[players.Length];
        for (var p = 0; p < players.Length; p++)
        {
            await using var phone = await client.ConnectPhoneAsync(players[p]);
            var ledger = PlayerLedger.Empty;
            for (var seq = 1; seq <= 3; seq++)
            {
                var batch = Batch(players[p], seq, strength: p == 2 ? 3 : 1);
                var ack = await phone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch);
                Assert.True(ack.Accepted, ack.Error);
                ledger = ScoreLedger.Apply(ledger, batch, counts: true).Ledger;
            }

            expected[p] = ledger.Score;
        }

        // Scoring runs after the ack: wait until the store holds every score before ending the round.
        var deadline = DateTime.UtcNow + ScoreDeadline;
        while (true)
        {
            var scoreboard = await client.ScoreboardAsync(game.GameId);
            if (players.Select((player, i) => scoreboard.Players.Single(s => s.PlayerId == player.PlayerId).Score == expected[i]).All(x => x))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "The scores did not reach the store in time.");
            await Task.Delay(50);
        }

        await client.StopAsync(game.GameId);
        // The ranking the tests expect: the Rock first, then Ada and Jane tied, and blue's one player above red's two.
        Assert.True(expected[2] > expected[0] + expected[1] && expected[0] == expected[1] && expected[0] > 0);
        return (game, players, expected);
    }

    private static MotionBatch Batch(GameClient.JoinedPlayer player, int seq, int strength) => new()
    {
        GameId = player.GameId,
        PlayerId = player.PlayerId,
        Seq = seq,
        Samples = Enumerable.Range(0, 10)
            .Select(i => new MotionSample { T = seq * 1000 + i * 20, X = MotionScoring.Gravity + 5 * strength })
            .ToList(),
    };

    private static PlayerRow Row(string id, string nickname, string team, long score) =>
        new(new PlayerProfile { PlayerId = id, Nickname = nickname, Team = team }, new PlayerLedger { Score = score, LastSeq = 1 });

    /// <summary>A strict RFC 4180 reader: the test's independent check that the quoting reads back.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"')
            {
                i++;
                while (!(text[i] == '"' && (i + 1 == text.Length || text[i + 1] != '"')))
                {
                    field.Append(text[i]);
                    i += text[i] == '"' ? 2 : 1;
                }

                i++;
            }

            while (i < text.Length && text[i] is not (',' or '\r'))
            {
                field.Append(text[i++]);
            }

            row.Add(field.ToString());
            field.Clear();
            if (i < text.Length && text[i] == ',')
            {
                i++;
                continue;
            }

            Assert.Equal("\r\n", text.Substring(i, 2));
            i += 2;
            rows.Add(row);
            row = [];
        }

        return rows;
    }
}
