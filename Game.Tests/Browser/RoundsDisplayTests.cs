using System.Text.RegularExpressions;
using Game.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>Rounds on the display: their number, per-round or running scores as the host sets them, a reset, and an empty round.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RoundsDisplayTests(BrowserFixture fixture)
{
    [Fact]
    public async Task PerRoundGame_SetOnTheDisplay_ShowsRoundNumberAndMode_AndARoundWithoutShakesHasItsOwnEmptyResult()
    {
        using var client = new GameClient(fixture.Server);
        await using var context = await fixture.NewDisplayContextAsync();
        var display = await context.NewPageAsync();
        await display.GotoAsync($"/?key={ServerProcess.TestPresenterKey}");
        await display.GetByTestId("create-game").ClickAsync();
        var code = display.GetByTestId("game-code");
        await Expect(code).ToHaveTextAsync(new Regex("^[A-HJ-NP-Z2-9]{5}$"));
        var gameId = (await code.TextContentAsync())!;
        var scoring = display.GetByTestId("scoring");
        await Expect(scoring).ToHaveTextAsync("Running total");
        await Expect(display.GetByTestId("round-number")).ToBeHiddenAsync();

        await display.GetByTestId("scoring-toggle").ClickAsync();
        await Expect(scoring).ToHaveTextAsync("Scores per round");
        await Expect(scoring).ToHaveAttributeAsync("data-scoring", "perRound");
        await Expect(display.GetByTestId("scoring-toggle")).ToHaveTextAsync("Scoring: per round");
        Assert.Equal("perRound", (await client.ScoreboardAsync(gameId)).Scoring);

        var ada = await client.JoinAsync(gameId, "Ada", "Red");
        await client.JoinAsync(gameId, "Bo", "Blue");
        await display.GetByTestId("start-round").ClickAsync();
        await Expect(display.GetByTestId("round-number")).ToHaveTextAsync("Round 1");
        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "running");
        await StageDriver.ShakeAsync(client, ada, seq: 1, samples: 10);
        await Expect(display.GetByTestId("leader-score").First).ToHaveTextAsync("1,010");
        await client.StopAsync(gameId);
        await Expect(display.GetByTestId("podium")).ToBeVisibleAsync();
        await Expect(display.GetByTestId("podium").Locator("h2")).ToHaveTextAsync("Winners of round 1");
        await Expect(display.GetByTestId("round-empty")).ToBeHiddenAsync();

        await display.GetByTestId("start-round").ClickAsync();
        await Expect(display.GetByTestId("round-number")).ToHaveTextAsync("Round 2");
        // Per round: everyone starts the round at 0, on the display and in the store.
        await Expect(display.GetByTestId("leader-score")).ToHaveTextAsync(["0", "0"]);
        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "running");
        await client.StopAsync(gameId);

        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "finished");
        await Expect(display.GetByTestId("round-empty")).ToHaveTextAsync("Nobody shook in round 2.");
        await Expect(display.GetByTestId("podium")).ToBeHiddenAsync();
        Assert.All((await client.ScoreboardAsync(gameId)).Players, p => Assert.Equal(0, p.Score));
        await StageDriver.SettleAsync(display);
        await TextLayout.AssertReadableAsync(display, "a round without shakes");
        await BrowserFixture.ScreenshotAsync(display, "display-round-without-shakes");
    }

    [Fact]
    public async Task RunningTotalGame_ResetScores_TakesTwoPressesThenEveryoneIs0()
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        var ada = await client.JoinAsync(game.GameId, "Ada", "Red");
        await StageDriver.StartRoundAsync(client, game.GameId);
        await using var context = await fixture.NewDisplayContextAsync();
        var display = await context.NewPageAsync();
        await display.GotoAsync(StageDriver.HostPath(game.GameId));
        await Expect(display.GetByTestId("reset-scores")).ToBeDisabledAsync();
        await StageDriver.ShakeAsync(client, ada, seq: 1, samples: 10);
        await Expect(display.GetByTestId("leader-score")).ToHaveTextAsync("1,010");
        await client.StopAsync(game.GameId);
        await Expect(display.GetByTestId("podium")).ToBeVisibleAsync();

        await display.GetByTestId("reset-scores").ClickAsync();
        await Expect(display.GetByTestId("reset-scores")).ToHaveTextAsync("Click again to reset");
        Assert.Equal(1010, (await client.ScoreboardAsync(game.GameId)).Players.Single().Score);
        await display.GetByTestId("reset-scores").ClickAsync();

        await Expect(display.GetByTestId("leader-score")).ToHaveTextAsync("0");
        await Expect(display.GetByTestId("team-score")).ToHaveTextAsync("0");
        await Expect(display.GetByTestId("podium")).ToBeHiddenAsync();
        await Expect(display.GetByTestId("reset-scores")).ToHaveTextAsync("Reset scores");
        Assert.Equal(0, (await client.ScoreboardAsync(game.GameId)).Players.Single().Score);
    }
}
