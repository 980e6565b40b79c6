using System.Text;
using Game.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>After a round the display offers the results as a CSV download that Excel reads as UTF-8.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ResultsTests(BrowserFixture fixture)
{
    [Fact]
    public async Task FinishedGame_DownloadCsv_SavesNamedUtf8FileWithBomAndTeamRows()
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        var sakura = await client.JoinAsync(game.GameId, "さくら", "Red");
        await using var context = await fixture.NewDisplayContextAsync();
        var display = await context.NewPageAsync();
        await display.GotoAsync($"/?game={game.GameId}");
        await Expect(display.GetByTestId("download-csv")).ToBeHiddenAsync();
        await client.StartAsync(game.GameId);
        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "running");
        await ReadableTextTests.ShakeAsync(client, sakura, samples: 10);
        await Expect(display.GetByTestId("leader-score")).ToHaveTextAsync("1,010");
        await client.StopAsync(game.GameId);
        await Expect(display.GetByTestId("download-csv")).ToBeVisibleAsync();
        await Expect(display.GetByTestId("download-csv")).ToHaveTextAsync("Download CSV");
        await display.EvaluateAsync("() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {})))");
        await BrowserFixture.ScreenshotAsync(display, "display-results");
        await TextLayout.AssertReadableAsync(display, "finished display with the CSV link");

        var download = await display.RunAndWaitForDownloadAsync(() => display.GetByTestId("download-csv").ClickAsync());
        var bytes = await File.ReadAllBytesAsync((await download.PathAsync())!);

        Assert.Equal($"shake-{game.GameId}-results.csv", download.SuggestedFilename);
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        Assert.Equal(
            "rank,playerId,nickname,team,score,kind,players\r\n" +
            $"1,{sakura.PlayerId},さくら,Red,1010,player,\r\n" +
            "1,,,Red,1010,team,1\r\n",
            Encoding.UTF8.GetString(bytes[3..]));
    }
}
