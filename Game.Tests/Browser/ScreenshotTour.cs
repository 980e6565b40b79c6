using System.Text.RegularExpressions;
using Game.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>
/// A whole game as a hall sees it, in English and Japanese, photographed at every step for people to look at:
/// lobby, countdown, running, podium, results and the hall view, with the phones beside them.
/// <c>scripts/screenshots</c> runs only this; the pictures go to <see cref="Directory"/> (not committed).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ScreenshotTour(BrowserFixture fixture)
{
    /// <summary>TestResults/screenshots/tour/en and …/ja.</summary>
    public static string Directory { get; } = Path.Combine(BrowserFixture.ScreenshotDirectory, "tour");

    private static readonly Dictionary<string, (string Nickname, string Team)[]> Hall = new()
    {
        ["en"] =
        [
            ("Aiko", "Blue"), ("Ben", "Green"), ("Chloe", "Red"), ("Daichi", "Blue"), ("Emma", "Yellow"),
            ("Felix", "Green"), ("Maximiliana Wolfeschlegl", "Yellow"), ("Ivan", "Blue"),
        ],
        ["ja"] =
        [
            ("あいこ", "青組"), ("ひろし", "緑組"), ("さくら", "赤組"), ("大地", "青組"), ("えみ", "黄組"),
            ("健太", "緑組"), ("寿限無寿限無五劫の擦り切れ海砂利水魚", "黄組"), ("いっぺい", "青組"),
        ],
    };

    private static readonly Dictionary<string, (string Nickname, string Team)> Phone = new()
    {
        ["en"] = ("Mika", "Red"),
        ["ja"] = ("たなか", "赤組"),
    };

    [Theory]
    [InlineData("en-US")]
    [InlineData("ja-JP")]
    public async Task FullGame_EveryScreen_IsPhotographed(string locale)
    {
        var lang = locale[..2];
        var folder = System.IO.Directory.CreateDirectory(Path.Combine(Directory, lang)).FullName;
        using var client = new GameClient(fixture.Server);
        await using var displayContext = await fixture.NewDisplayContextAsync(locale);
        await using var phoneContext = await fixture.NewPhoneContextAsync(locale);
        var display = await displayContext.NewPageAsync();

        await display.GotoAsync($"/?key={ServerProcess.TestPresenterKey}");
        await display.GetByTestId("create-game").ClickAsync();
        var code = display.GetByTestId("game-code");
        await Expect(code).ToHaveTextAsync(new Regex("^[A-HJ-NP-Z2-9]{5}$"));
        var gameId = (await code.TextContentAsync())!;
        await display.GetByTestId("scoring-toggle").ClickAsync();
        await Expect(display.GetByTestId("scoring")).ToHaveAttributeAsync("data-scoring", "perRound");

        var phone = await phoneContext.NewPageAsync();
        await phone.GotoAsync($"/play?game={gameId}");
        await phone.GetByTestId("nickname").FillAsync(Phone[lang].Nickname);
        await phone.GetByTestId("team").FillAsync(Phone[lang].Team);
        await ShotAsync(phone, folder, "10-phone-join");
        await phone.GetByTestId("join").ClickAsync();
        await phone.GetByTestId("enable-motion").ClickAsync();
        await phone.EvaluateAsync(RoundTests.LieStill);
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "lobby");

        var others = new List<GameClient.JoinedPlayer>();
        foreach (var (nickname, team) in Hall[lang])
        {
            others.Add(await client.JoinAsync(gameId, nickname, team));
        }

        await Expect(display.GetByTestId("leader")).ToHaveCountAsync(Hall[lang].Length + 1);
        await ShotAsync(display, folder, "01-display-lobby");
        await ShotAsync(phone, folder, "11-phone-lobby");

        await display.GetByTestId("start-round").ClickAsync();
        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "countdown");
        await ShotAsync(display, folder, "02-display-countdown", settle: false);
        await ShotAsync(phone, folder, "12-phone-countdown", settle: false);

        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "running");
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "running");
        await phone.EvaluateAsync(RoundTests.StartShaking);
        for (var i = 0; i < others.Count; i++)
        {
            await StageDriver.ShakeAsync(client, others[i], seq: 1, samples: 4 * (i + 1));
        }

        await Expect(display.GetByTestId("leader-score").First).Not.ToHaveTextAsync("0");
        await Expect(display.GetByTestId("chart")).ToHaveAttributeAsync("data-peak", new Regex("^[1-9]"));
        await ShotAsync(display, folder, "03-display-running");
        await ShotAsync(phone, folder, "13-phone-running");

        await phone.EvaluateAsync<int>(RoundTests.StopShaking);
        await Expect(phone.GetByTestId("pending")).ToHaveTextAsync("0");
        // The host's buttons are folded away during the round: H brings them back.
        await display.Keyboard.PressAsync("h");
        await display.GetByTestId("stop-round").ClickAsync();
        await Expect(display.GetByTestId("podium")).ToBeVisibleAsync();
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "finished");
        await ShotAsync(display, folder, "04-display-podium");
        await ShotAsync(phone, folder, "14-phone-finished");

        await display.GetByTestId("show-results").ClickAsync();
        await Expect(display.GetByTestId("result-player")).ToHaveCountAsync(Hall[lang].Length + 1);
        await ShotAsync(display, folder, "05-display-results");

        await HallViewAsync(displayContext, gameId, folder);
    }

    /// <summary>The hall view (every player as a dot, issue #16.13), as a second screen opens it: a view of the display.</summary>
    private static async Task HallViewAsync(IBrowserContext context, string gameId, string folder)
    {
        var hall = await context.NewPageAsync();
        await hall.GotoAsync($"/?game={gameId}&view=hall");
        await hall.WaitForFunctionAsync("() => window.hallStats?.dots > 0 && hallStats.draws > 0");
        await ShotAsync(hall, folder, "06-display-hall");
    }

    private static async Task ShotAsync(IPage page, string folder, string name, bool settle = true)
    {
        if (settle)
        {
            await StageDriver.SettleAsync(page);
        }

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), Animations = ScreenshotAnimations.Disabled });
    }
}
