using System.Text.Json;
using Game.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>
/// Readable from the back of a hall: the leaderboard's rows fill its panel (their text grows with them), on a
/// full-HD and a 720p projector; the host's buttons leave the screen to the game during a round.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LeaderboardLayoutTests(BrowserFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The list's and the board panel's boxes and each row's, in rank order, in viewport pixels.</summary>
    private const string MeasureRows = """
        () => {
          const box = (e) => { const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, height: r.height }; };
          const rows = [...document.querySelectorAll("[data-testid=leader]")]
            .sort((a, b) => Number(a.style.getPropertyValue("--y")) - Number(b.style.getPropertyValue("--y")));
          const scale = document.body.getBoundingClientRect().width / 1920;
          return {
            list: box(document.getElementById("leaders")),
            board: box(document.querySelector(".board")),
            rows: rows.map(box),
            nameFont: rows.map((r) => parseFloat(getComputedStyle(r.querySelector(".name")).fontSize) * scale),
            scale,
          };
        }
        """;

    [Theory]
    [InlineData(1920, 1080)]
    [InlineData(1280, 720)]
    public async Task Leaderboard_TenPlayersThenThree_RowsFillThePanelInRankOrder(int width, int height)
    {
        using var client = new GameClient(fixture.Server);
        var ten = await GameWithPlayersAsync(client, 10);
        var three = await GameWithPlayersAsync(client, 3);
        await using var context = await StageDriver.DisplayAsync(fixture, width, height);
        var display = await context.NewPageAsync();

        await display.GotoAsync($"/?game={ten}");
        await Expect(display.GetByTestId("leader")).ToHaveCountAsync(10);
        await StageDriver.SettleAsync(display);
        var tenRows = (await display.EvaluateAsync<JsonElement>(MeasureRows)).Deserialize<Layout>(Json)!;
        await BrowserFixture.ScreenshotAsync(display, $"leaderboard-10-{width}x{height}");

        // Ten rows share the list: each a tenth of it (90 % row, 10 % gap), the last one ending at the list's end.
        var slot = tenRows.List.Height / 10;
        for (var i = 0; i < 10; i++)
        {
            Assert.InRange(tenRows.Rows[i].Top, tenRows.List.Top + (i * slot) - 1.5, tenRows.List.Top + (i * slot) + 1.5);
            Assert.InRange(tenRows.Rows[i].Height, (0.9 * slot) - 1, (0.9 * slot) + 1);
        }

        Assert.InRange(tenRows.List.Bottom - tenRows.Rows[9].Bottom, 0, (0.1 * slot) + 1.5);
        // The list takes the board's height, less its title and padding: no empty half-panel under the rows.
        Assert.True(tenRows.List.Height > 0.8 * tenRows.Board.Height, $"list {tenRows.List.Height} of board {tenRows.Board.Height}");
        // At 1080p a row is over 65 px and its name at least half as tall as the row (scaled alike at 720p).
        Assert.True(tenRows.Rows[0].Height > 65 * tenRows.Scale, $"row {tenRows.Rows[0].Height}");
        Assert.All(tenRows.NameFont, font => Assert.True(font >= 0.49 * slot, $"name {font} px in a {slot} px slot"));

        await display.GotoAsync($"/?game={three}");
        await Expect(display.GetByTestId("leader")).ToHaveCountAsync(3);
        await StageDriver.SettleAsync(display);
        var threeRows = (await display.EvaluateAsync<JsonElement>(MeasureRows)).Deserialize<Layout>(Json)!;

        // Fewer players, taller rows: a fifth of the list each (never a third: three giant bars help nobody).
        var fifth = threeRows.List.Height / 5;
        Assert.All(threeRows.Rows, row => Assert.InRange(row.Height, (0.9 * fifth) - 1, (0.9 * fifth) + 1));
        Assert.True(threeRows.NameFont[0] > 1.3 * tenRows.NameFont[0], $"{threeRows.NameFont[0]} vs {tenRows.NameFont[0]}");
        await TextLayout.AssertReadableAsync(display, $"three tall rows at {width}x{height}");
    }

    [Fact]
    public async Task HostControls_DuringARound_FoldAwayBehindASmallHandleAndTheHKey()
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        await client.JoinAsync(game.GameId, "Ada");
        await using var context = await fixture.NewDisplayContextAsync();
        var display = await context.NewPageAsync();
        await display.GotoAsync(StageDriver.HostPath(game.GameId));
        var controls = display.GetByTestId("controls");
        var handle = display.GetByTestId("host-toggle");
        await Expect(controls).ToBeVisibleAsync();
        await Expect(handle).ToBeHiddenAsync();

        await display.GetByTestId("start-round").ClickAsync();
        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "running");
        await Expect(controls).ToBeHiddenAsync();
        await Expect(handle).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(display, "display-running-controls-folded");

        await display.Keyboard.PressAsync("h");
        await Expect(controls).ToBeVisibleAsync();
        await Expect(handle).ToHaveAttributeAsync("aria-expanded", "true");
        await display.Keyboard.PressAsync("h");
        await Expect(controls).ToBeHiddenAsync();
        await handle.ClickAsync();
        await display.GetByTestId("stop-round").ClickAsync();

        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "finished");
        await Expect(controls).ToBeVisibleAsync();
        await Expect(handle).ToBeHiddenAsync();

        // The next round folds them away again, whatever they were before.
        await display.GetByTestId("start-round").ClickAsync();
        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "running");
        await Expect(controls).ToBeHiddenAsync();
        await client.StopAsync(game.GameId);

        // A viewer (no presenter key) has neither the buttons nor the handle.
        await using var viewerContext = await fixture.NewDisplayContextAsync();
        var viewer = await viewerContext.NewPageAsync();
        await viewer.GotoAsync($"/?game={game.GameId}");
        await Expect(viewer.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "finished");
        await Expect(viewer.GetByTestId("controls")).ToBeHiddenAsync();
        await Expect(viewer.GetByTestId("host-toggle")).ToBeHiddenAsync();
    }

    private static async Task<string> GameWithPlayersAsync(GameClient client, int players)
    {
        var game = await client.CreateGameAsync(roundSeconds: 300);
        for (var i = 0; i < players; i++)
        {
            await client.JoinAsync(game.GameId, $"Player {i + 1}", i % 2 == 0 ? "Red" : "Blue");
        }

        return game.GameId;
    }

    private sealed record Box(double Top, double Bottom, double Height);

    private sealed record Layout(Box List, Box Board, List<Box> Rows, List<double> NameFont, double Scale);
}
