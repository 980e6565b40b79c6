using Game.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>The results screen after a round: everyone's standing and every team from the store, and the CSV.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ResultsScreenTests(BrowserFixture fixture)
{
    [Theory]
    [InlineData("en-US", "Results · round 1", "Download CSV", "2 players")]
    [InlineData("ja-JP", "結果 · 第1ラウンド", "CSVをダウンロード", "2人")]
    public async Task Results_AfterARound_ShowStandingsTeamsAndTheCsvLink(string locale, string title, string csv, string redMembers)
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        var players = new List<GameClient.JoinedPlayer>
        {
            await client.JoinAsync(game.GameId, "Ada", "Red"),
            await client.JoinAsync(game.GameId, "寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来", "Blue"),
            await client.JoinAsync(game.GameId, "Grace", "Red"),
            await client.JoinAsync(game.GameId, "Linus"),
        };
        await StageDriver.StartRoundAsync(client, game.GameId);
        for (var i = 0; i < players.Count; i++)
        {
            await StageDriver.ShakeAsync(client, players[i], seq: 1, samples: 10 * (i + 1));
        }

        await using var context = await fixture.NewDisplayContextAsync(locale);
        var display = await context.NewPageAsync();
        await display.GotoAsync(StageDriver.HostPath(game.GameId));
        await Expect(display.GetByTestId("leader-score").First).ToHaveTextAsync("4,040");
        await Expect(display.GetByTestId("show-results")).ToBeDisabledAsync();
        await client.StopAsync(game.GameId);

        await display.GetByTestId("show-results").ClickAsync();

        var results = display.GetByTestId("results");
        await Expect(results).ToBeVisibleAsync();
        await Expect(display.Locator(".stage")).ToBeHiddenAsync();
        await Expect(display.GetByTestId("results-title")).ToHaveTextAsync(title);
        var rows = display.GetByTestId("result-player");
        await Expect(rows).ToHaveCountAsync(4);
        await Expect(rows.Locator(".name")).ToHaveTextAsync(["Linus", "Grace", "寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来", "Ada"]);
        await Expect(rows.Locator(".score")).ToHaveTextAsync(["4,040", "3,030", "2,020", "1,010"]);
        var teams = display.GetByTestId("result-team");
        await Expect(teams.Locator(".name")).ToHaveTextAsync(["Red", "Blue"]);
        await Expect(teams.Locator(".score")).ToHaveTextAsync(["4,040", "2,020"]);
        await Expect(teams.First.Locator(".detail")).ToHaveTextAsync(redMembers);
        var link = display.GetByTestId("results-csv");
        await Expect(link).ToHaveTextAsync(csv);
        await Expect(link).ToHaveAttributeAsync("href", $"/api/games/{game.GameId}/results.csv");
        await StageDriver.SettleAsync(display);
        await TextLayout.AssertReadableAsync(display, $"results screen ({locale})");
        await BrowserFixture.ScreenshotAsync(display, $"display-results-screen-{locale[..2]}");

        var download = await display.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        Assert.Equal($"shake-{game.GameId}-results.csv", download.SuggestedFilename);

        // Escape (or Back) returns to the podium; the next round closes the screen by itself.
        await display.Keyboard.PressAsync("Escape");
        await Expect(results).ToBeHiddenAsync();
        await Expect(display.GetByTestId("podium")).ToBeVisibleAsync();
        await display.Keyboard.PressAsync("r");
        await Expect(results).ToBeVisibleAsync();
        await client.StartAsync(game.GameId);
        await Expect(results).ToBeHiddenAsync();
        await Expect(display.Locator(".stage")).ToBeVisibleAsync();
        await client.StopAsync(game.GameId);
    }

    [Fact]
    public async Task Results_ManyPlayers_ShowTheTopThirtyAndSayTheRestAreInTheCsv()
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        for (var i = 0; i < 34; i++)
        {
            await client.JoinAsync(game.GameId, $"Player {i + 1:00}");
        }

        await client.StartAsync(game.GameId);
        await client.StopAsync(game.GameId);
        await using var context = await fixture.NewDisplayContextAsync();
        var display = await context.NewPageAsync();
        await display.GotoAsync(StageDriver.HostPath(game.GameId));
        await display.GetByTestId("show-results").ClickAsync();

        await Expect(display.GetByTestId("result-player")).ToHaveCountAsync(30);
        await Expect(display.GetByTestId("results-more")).ToHaveTextAsync("…and 4 more in the CSV");
        await StageDriver.SettleAsync(display);
        await TextLayout.AssertReadableAsync(display, "results screen with 34 players");
    }
}
