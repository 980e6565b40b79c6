using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Game.Functions.Contracts;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Games;

/// <summary>One real server for the API tests below.</summary>
public sealed class GameApiFixture : IAsyncLifetime
{
    public const int MaxPlayers = 3;

    public ServerProcess Server { get; } = new(new Dictionary<string, string>
    {
        ["Game:CountdownSeconds"] = "0",
        ["Game:MaxPlayersPerGame"] = MaxPlayers.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public Task InitializeAsync() => Server.StartAsync();

    public Task DisposeAsync() => Server.DisposeAsync().AsTask();
}

/// <summary>The game API: every endpoint, the presenter key, and every kind of bad request, which must change nothing.</summary>
public sealed class GameApiTests(GameApiFixture fixture) : IClassFixture<GameApiFixture>, IDisposable
{
    private readonly HttpClient _anonymous = new() { BaseAddress = new Uri(fixture.Server.BaseUrl) };
    private readonly HttpClient _presenter = fixture.Server.CreatePresenterClient();
    private readonly GameClient _client = new(fixture.Server);

    public void Dispose()
    {
        _anonymous.Dispose();
        _presenter.Dispose();
        _client.Dispose();
    }

    private static StringContent Json(string body, string contentType = "application/json") => new(body, Encoding.UTF8, contentType);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }

    private async Task<int> GameCountAsync() => (await _presenter.GetFromJsonAsync<JsonElement>("/api/games")).GetArrayLength();

    [Fact]
    public async Task CreateGame_WithPresenterKey_AnswersCodeAndJoinUrlAndListsIt()
    {
        var response = await _presenter.PostAsync("/api/games", Json("""{"roundSeconds":45}"""));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var game = await response.Content.ReadFromJsonAsync<JsonElement>();
        var code = game.GetProperty("gameId").GetString()!;
        Assert.Matches("^[A-HJ-NP-Z2-9]{5}$", code);
        Assert.Equal($"{fixture.Server.BaseUrl}/play?game={code}", game.GetProperty("joinUrl").GetString());
        Assert.Equal(45, game.GetProperty("roundSeconds").GetInt32());
        var listed = (await _presenter.GetFromJsonAsync<JsonElement>("/api/games")).EnumerateArray().Single(g => g.GetProperty("gameId").GetString() == code);
        Assert.Equal("lobby", listed.GetProperty("state").GetString());
        Assert.Equal(0, listed.GetProperty("round").GetInt32());
    }

    [Fact]
    public async Task CreateGame_WithoutBody_UsesTheDefaultRound()
    {
        var response = await _presenter.PostAsync("/api/games", null);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(30, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("roundSeconds").GetInt32());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key")]
    [InlineData("Basic dGVzdC1wcmVzZW50ZXIta2V5")]
    public async Task CreateGame_WithoutTheRightKey_Is401AndCreatesNothing(string? authorization)
    {
        var before = await GameCountAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/games") { Content = Json("{}") };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        var problem = await ProblemAsync(await _anonymous.SendAsync(request), HttpStatusCode.Unauthorized);

        Assert.Contains("presenter key", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await GameCountAsync());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key")]
    public async Task ListGames_WithoutTheRightKey_Is401AndListsNoCode(string? authorization)
    {
        var game = await _client.CreateGameAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/games");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        var response = await _anonymous.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        await ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.DoesNotContain(game.GameId, body);
    }

    [Theory]
    [InlineData("""{"roundSeconds":""", HttpStatusCode.BadRequest, "The body is not valid JSON (line 1, position 17).")]
    [InlineData("""{"roundSeconds":"soon"}""", HttpStatusCode.BadRequest, "roundSeconds must be a number.")]
    [InlineData("""{"roundSeconds":4}""", HttpStatusCode.BadRequest, "between 5 and 3600")]
    [InlineData("""{"roundSeconds":3601}""", HttpStatusCode.BadRequest, "between 5 and 3600")]
    [InlineData("[1,2]", HttpStatusCode.BadRequest, "The body must be a JSON object with the fields docs/api.md lists.")]
    public async Task CreateGame_BadBody_IsAClearProblemAndCreatesNothing(string body, HttpStatusCode status, string reason)
    {
        var before = await GameCountAsync();

        var problem = await ProblemAsync(await _presenter.PostAsync("/api/games", Json(body)), status);

        Assert.Contains(reason, problem.GetProperty("detail").GetString());
        // The caller is told the field, never the .NET type the server was filling.
        Assert.DoesNotContain("Game.Server", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("System.", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await GameCountAsync());
    }

    [Fact]
    public async Task PresenterKey_MissingAndWrong_GetDifferentMessages()
    {
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/games") { Content = Json("{}") };
        wrong.Headers.TryAddWithoutValidation("Authorization", "Bearer wrong-key");

        var missing = await ProblemAsync(await _anonymous.PostAsync("/api/games", Json("{}")), HttpStatusCode.Unauthorized);
        var wrongKey = await ProblemAsync(await _anonymous.SendAsync(wrong), HttpStatusCode.Unauthorized);

        Assert.StartsWith("This needs the presenter key", missing.GetProperty("detail").GetString());
        Assert.StartsWith("That is not this server's presenter key", wrongKey.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("GET", "/api/nothing-here", HttpStatusCode.NotFound, "There is nothing at /api/nothing-here: docs/api.md lists the API.")]
    [InlineData("GET", "/api/games/QQQQQ/nothing", HttpStatusCode.NotFound, "There is nothing at /api/games/QQQQQ/nothing: docs/api.md lists the API.")]
    [InlineData("DELETE", "/api/games", HttpStatusCode.MethodNotAllowed, "/api/games does not take DELETE; it takes ")]
    [InlineData("GET", "/api/games/QQQQQ/start", HttpStatusCode.MethodNotAllowed, "/api/games/QQQQQ/start does not take GET; it takes POST.")]
    public async Task UnknownPathOrMethodUnderApi_IsAProblemThatSaysSo(string method, string path, HttpStatusCode status, string detail)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);

        var problem = await ProblemAsync(await _presenter.SendAsync(request), status);

        Assert.StartsWith(detail, problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/play")]
    public async Task Pages_Head_Is200WithoutABody(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, path);

        var response = await _anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task CreateGame_NotJson_Is415()
    {
        var before = await GameCountAsync();

        var problem = await ProblemAsync(await _presenter.PostAsync("/api/games", Json("roundSeconds=30", "text/plain")), HttpStatusCode.UnsupportedMediaType);

        Assert.Contains("application/json", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await GameCountAsync());
    }

    [Fact]
    public async Task CreateGame_OversizeBody_Is413AndCreatesNothing()
    {
        var before = await GameCountAsync();
        var body = $$"""{"roundSeconds":30,"padding":"{{new string('x', 20_000)}}"}""";

        await ProblemAsync(await _presenter.PostAsync("/api/games", Json(body)), HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal(before, await GameCountAsync());
    }

    [Fact]
    public async Task Join_ValidPlayer_AnswersIdTokenAndTrimmedNames()
    {
        var game = await _client.CreateGameAsync();

        var response = await _anonymous.PostAsync($"/api/games/{game.GameId.ToLowerInvariant()}/players", Json("""{"nickname":"  Ada  ","team":" red "}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var player = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(game.GameId, player.GetProperty("gameId").GetString());
        Assert.Equal("Ada", player.GetProperty("nickname").GetString());
        Assert.Equal("red", player.GetProperty("team").GetString());
        Assert.StartsWith($"{game.GameId}.{player.GetProperty("playerId").GetString()}.", player.GetProperty("token").GetString());
        var board = await _client.ScoreboardAsync(game.GameId);
        Assert.Equal(("Ada", "red", 0L), (board.Players.Single().Nickname, board.Players.Single().Team, board.Players.Single().Score));
    }

    [Fact]
    public async Task Join_SameNamesAndTeamsInOtherCases_AreToldTheirShownNamesAndMakeOneTeam()
    {
        var game = await _client.CreateGameAsync();

        async Task<JsonElement> Join(string nickname, string team) => await (await _anonymous.PostAsync(
            $"/api/games/{game.GameId}/players", Json($$"""{"nickname":"{{nickname}}","team":"{{team}}"}"""))).Content.ReadFromJsonAsync<JsonElement>();

        var first = await Join("Mika", "Red");
        var second = await Join("Mika", "RED");
        var third = await Join("mika", "red");

        Assert.Equal(("Mika", "Red"), (first.GetProperty("nickname").GetString(), first.GetProperty("team").GetString()));
        Assert.Equal(("Mika 2", "Red"), (second.GetProperty("nickname").GetString(), second.GetProperty("team").GetString()));
        Assert.Equal(("mika 3", "Red"), (third.GetProperty("nickname").GetString(), third.GetProperty("team").GetString()));
        var board = await _client.ScoreboardAsync(game.GameId);
        Assert.Equal(["Mika", "Mika 2", "mika 3"], board.Players.Select(p => p.Nickname).Order(StringComparer.Ordinal));
        Assert.Equal(("Red", 3), (Assert.Single(board.Teams).Team, board.Teams[0].Players));
    }

    [Theory]
    [InlineData("""{"nickname":""}""", "nickname is required")]
    [InlineData("""{"nickname":"   "}""", "nickname is required")]
    [InlineData("""{"team":"red"}""", "nickname is required")]
    [InlineData("""{"nickname":"abcdefghijklmnopqrstuvwxy"}""", "up to 24")]
    [InlineData("""{"nickname":"Ada","team":"abcdefghijklmnopqrstuvwxy"}""", "up to 24")]
    [InlineData("""{"nickname":42}""", "nickname must be a string.")]
    [InlineData("""{"nickname":"Ada""", "The body is not valid JSON")]
    public async Task Join_BadBody_IsAClearProblemAndAddsNoPlayer(string body, string reason)
    {
        var game = await _client.CreateGameAsync();

        var problem = await ProblemAsync(await _anonymous.PostAsync($"/api/games/{game.GameId}/players", Json(body)), HttpStatusCode.BadRequest);

        Assert.Contains(reason, problem.GetProperty("detail").GetString());
        Assert.Empty((await _client.ScoreboardAsync(game.GameId)).Players);
    }

    [Fact]
    public async Task Join_OversizeBody_Is413AndAddsNoPlayer()
    {
        var game = await _client.CreateGameAsync();

        await ProblemAsync(await _anonymous.PostAsync($"/api/games/{game.GameId}/players", Json($$"""{"nickname":"{{new string('x', 20_000)}}"}""")), HttpStatusCode.RequestEntityTooLarge);

        Assert.Empty((await _client.ScoreboardAsync(game.GameId)).Players);
    }

    [Fact]
    public async Task Join_FullGame_Is409WithTheLimitAndAddsNoPlayer()
    {
        var game = await _client.CreateGameAsync();
        for (var i = 0; i < GameApiFixture.MaxPlayers; i++)
        {
            await _client.JoinAsync(game.GameId, $"P{i}");
        }

        var problem = await ProblemAsync(await _anonymous.PostAsync($"/api/games/{game.GameId}/players", Json("""{"nickname":"Late"}""")), HttpStatusCode.Conflict);

        Assert.Equal("This game is full (3 players).", problem.GetProperty("detail").GetString());
        Assert.Equal(GameApiFixture.MaxPlayers, (await _client.ScoreboardAsync(game.GameId)).Players.Count);
    }

    [Theory]
    [InlineData("POST", "/api/games/QQQQQ/start")]
    [InlineData("POST", "/api/games/QQQQQ/stop")]
    [InlineData("POST", "/api/games/QQQQQ/players")]
    [InlineData("GET", "/api/games/QQQQQ/scoreboard")]
    [InlineData("GET", "/api/games/QQQQQ/qr.svg")]
    public async Task UnknownGame_Is404WithTheCode(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = Json("""{"nickname":"Ada"}""");
        }

        var problem = await ProblemAsync(await _presenter.SendAsync(request), HttpStatusCode.NotFound);

        Assert.Contains("QQQQQ", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task StartAndStop_WithoutKey_Are401AndChangeNothing()
    {
        var game = await _client.CreateGameAsync();

        await ProblemAsync(await _anonymous.PostAsync($"/api/games/{game.GameId}/start", null), HttpStatusCode.Unauthorized);
        Assert.Equal("lobby", (await _client.ScoreboardAsync(game.GameId)).State);

        await _client.StartAsync(game.GameId);
        await ProblemAsync(await _anonymous.PostAsync($"/api/games/{game.GameId}/stop", null), HttpStatusCode.Unauthorized);
        Assert.Equal("running", (await _client.ScoreboardAsync(game.GameId)).State);
    }

    [Fact]
    public async Task StartStopStart_WithKey_RunsRoundsAndCountsThem()
    {
        var game = await _client.CreateGameAsync(roundSeconds: 60);

        var started = await (await _presenter.PostAsync($"/api/games/{game.GameId}/start", null)).Content.ReadFromJsonAsync<JsonElement>();
        var stopped = await (await _presenter.PostAsync($"/api/games/{game.GameId}/stop", null)).Content.ReadFromJsonAsync<JsonElement>();
        var again = await (await _presenter.PostAsync($"/api/games/{game.GameId}/start", null)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(("running", 1), (started.GetProperty("state").GetString(), started.GetProperty("round").GetInt32()));
        Assert.Equal(("finished", 1), (stopped.GetProperty("state").GetString(), stopped.GetProperty("round").GetInt32()));
        Assert.Equal(("running", 2), (again.GetProperty("state").GetString(), again.GetProperty("round").GetInt32()));
        var startsAt = again.GetProperty("roundStartsAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromSeconds(60), again.GetProperty("roundEndsAt").GetDateTimeOffset() - startsAt);
    }

    [Fact]
    public async Task Scoring_CreatedPerRoundThenChanged_EveryAnswerSaysWhich()
    {
        var created = await _presenter.PostAsync("/api/games", Json("""{"roundSeconds":30,"scoring":"perRound"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var game = await created.Content.ReadFromJsonAsync<JsonElement>();
        var gameId = game.GetProperty("gameId").GetString();
        Assert.Equal("perRound", game.GetProperty("scoring").GetString());
        Assert.Equal("perRound", (await _anonymous.GetFromJsonAsync<JsonElement>($"/api/games/{gameId}/scoreboard")).GetProperty("scoring").GetString());

        var changed = await _presenter.PostAsync($"/api/games/{gameId}/settings", Json("""{"scoring":"runningTotal"}"""));

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("runningTotal", (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("scoring").GetString());
        Assert.Equal("runningTotal", (await _anonymous.GetFromJsonAsync<JsonElement>($"/api/games/{gameId}/scoreboard")).GetProperty("scoring").GetString());
        Assert.Equal("runningTotal", (await _client.CreateGameAsync()).Scoring);
    }

    [Theory]
    [InlineData("/api/games", """{"scoring":"sometimes"}""")]
    [InlineData("/api/games/{0}/settings", """{"scoring":"sometimes"}""")]
    [InlineData("/api/games/{0}/settings", "{}")]
    public async Task Scoring_UnknownMode_IsAProblemNamingBothModesAndChangesNothing(string path, string body)
    {
        var game = await _client.CreateGameAsync();
        var before = await GameCountAsync();

        var problem = await ProblemAsync(await _presenter.PostAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, game.GameId), Json(body)), HttpStatusCode.BadRequest);

        Assert.Equal("""scoring is "runningTotal" (scores add up over the rounds) or "perRound" (each round starts at 0).""", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await GameCountAsync());
        Assert.Equal("runningTotal", (await _anonymous.GetFromJsonAsync<JsonElement>($"/api/games/{game.GameId}/scoreboard")).GetProperty("scoring").GetString());
    }

    [Theory]
    [InlineData("settings")]
    [InlineData("reset")]
    public async Task SettingsAndReset_WithoutKey_Are401(string action)
    {
        var game = await _client.CreateGameAsync();

        await ProblemAsync(await _anonymous.PostAsync($"/api/games/{game.GameId}/{action}", Json("""{"scoring":"perRound"}""")), HttpStatusCode.Unauthorized);

        Assert.Equal("runningTotal", (await _anonymous.GetFromJsonAsync<JsonElement>($"/api/games/{game.GameId}/scoreboard")).GetProperty("scoring").GetString());
    }

    [Fact]
    public async Task Reset_DuringARoundIs409_BetweenRoundsEveryScoreIs0()
    {
        var game = await _client.CreateGameAsync(roundSeconds: 300);
        var ada = await _client.JoinAsync(game.GameId, "Ada", "red");
        await _client.StartAsync(game.GameId);
        await ShakeAsync(ada, seq: 1, samples: 10);
        await WaitForScoreAsync(game.GameId, 1010);

        var during = await ProblemAsync(await _presenter.PostAsync($"/api/games/{game.GameId}/reset", null), HttpStatusCode.Conflict);
        Assert.Equal("Scores can be reset between rounds only; stop the round first.", during.GetProperty("detail").GetString());
        Assert.Equal(1010, (await _client.ScoreboardAsync(game.GameId)).Players.Single().Score);

        await _client.StopAsync(game.GameId);
        var reset = await _presenter.PostAsync($"/api/games/{game.GameId}/reset", null);

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var board = await _client.ScoreboardAsync(game.GameId);
        Assert.Equal((0L, 0L), (board.Players.Single().Score, board.Teams.Single().Score));
        Assert.Equal(0, (await _anonymous.GetFromJsonAsync<JsonElement>($"/api/games/{game.GameId}/results")).GetProperty("players")[0].GetProperty("score").GetInt64());
    }

    [Fact]
    public async Task PerRound_SecondRound_ScoresOnlyItsOwnShakes_RunningTotalAddsThemUp()
    {
        var perRound = await _client.CreateGameAsync(roundSeconds: 300, scoring: "perRound");
        var total = await _client.CreateGameAsync(roundSeconds: 300);
        var ada = await _client.JoinAsync(perRound.GameId, "Ada");
        var bob = await _client.JoinAsync(total.GameId, "Bob");

        foreach (var (game, player) in new[] { (perRound, ada), (total, bob) })
        {
            await _client.StartAsync(game.GameId);
            await ShakeAsync(player, seq: 1, samples: 10);
            await WaitForScoreAsync(game.GameId, 1010);
            await _client.StopAsync(game.GameId);
            await _client.StartAsync(game.GameId);
            await ShakeAsync(player, seq: 2, samples: 3);
        }

        await WaitForScoreAsync(perRound.GameId, 303);
        await WaitForScoreAsync(total.GameId, 1313);
        Assert.Equal(2, (await _client.ScoreboardAsync(perRound.GameId)).Round);
    }

    /// <summary>One batch of identical samples (m = 20 m/s², 101 points each), its device times after every earlier batch's.</summary>
    private async Task ShakeAsync(GameClient.JoinedPlayer player, long seq, int samples)
    {
        await using var connection = await _client.ConnectPhoneAsync(player);
        var batch = new MotionBatch
        {
            GameId = player.GameId,
            PlayerId = player.PlayerId,
            Seq = seq,
            Samples = Enumerable.Range(1, samples).Select(i => new MotionSample { T = (100_000 * seq) + (20 * i), X = 20 }).ToList(),
        };
        var ack = await connection.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch);
        Assert.True(ack.Accepted, ack.Error);
    }

    private async Task WaitForScoreAsync(string gameId, long score)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while ((await _client.ScoreboardAsync(gameId)).Players.Single().Score != score)
        {
            await Task.Delay(50, deadline.Token);
        }
    }

    [Fact]
    public async Task Scoreboard_AnswersStatePlayersAndTeamTotals()
    {
        var game = await _client.CreateGameAsync();
        await _client.JoinAsync(game.GameId, "Ada", "red");
        await _client.JoinAsync(game.GameId, "Grace", "red");
        await _client.JoinAsync(game.GameId, "Linus");

        var board = await _client.ScoreboardAsync(game.GameId);

        Assert.Equal(("lobby", 0), (board.State, board.Round));
        Assert.Equal(["Ada", "Grace", "Linus"], board.Players.Select(p => p.Nickname));
        var red = Assert.Single(board.Teams);
        Assert.Equal(("red", 0L, 2), (red.Team, red.Score, red.Players));
    }

    [Fact]
    public async Task Scoreboard_TiedTeams_OrderedByNameAsOnTheDisplay()
    {
        var game = await _client.CreateGameAsync();
        await _client.JoinAsync(game.GameId, "Ada", "red");
        await _client.JoinAsync(game.GameId, "Bob", "blue");
        await _client.JoinAsync(game.GameId, "Cy", "green");

        var board = await _client.ScoreboardAsync(game.GameId);

        Assert.Equal(["blue", "green", "red"], board.Teams.Select(t => t.Team));
    }

    [Theory]
    [InlineData("")]
    [InlineData("nonsense")]
    [InlineData("ABCDE.pdeadbeef.forged-signature")]
    public async Task PhoneHub_BadToken_IsRefusedAtConnect(string token)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl($"{fixture.Server.BaseUrl}{HubPaths.Phone}?access_token={Uri.EscapeDataString(token)}")
            .AddMessagePackProtocol()
            .Build();

        var error = await Record.ExceptionAsync(async () =>
        {
            await connection.StartAsync();
            await connection.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, new MotionBatch { GameId = "ABCDE", PlayerId = "pdeadbeef", Seq = 1 });
        });

        Assert.NotNull(error);
        await connection.DisposeAsync();
    }
}
