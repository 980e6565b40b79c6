using System.Globalization;
using Game.Functions.Contracts;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>
/// The display and a phone through a whole game, in English and Japanese, on a full-HD and a 720p projector, with
/// names as long as the join form allows (24 characters) and CJK names: at every step all text can be read whole
/// (<see cref="TextLayout"/>), except names an ellipsis ends by design.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ReadableTextTests(BrowserFixture fixture)
{
    /// <summary>Players joined over the API, the first with the most points; 24 characters is the join form's limit.</summary>
    private static readonly (string Nickname, string Team)[] Players =
    [
        ("Maximiliana Wolfeschlegl", "The Magnificent Shakers!"), ("寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来", "赤組"),
        ("WWWWWWWWWWWWWWWWWWWWWWWW", "Blue"), ("山田花子", "赤組"), ("Bo", ""), ("さくら", "The Magnificent Shakers!"),
        ("Émilie-Anne Château-Roux", "Green"), ("李小龍", "Blue"), ("Jo", "緑"),
    ];

    [Theory]
    [InlineData(1920, 1080, "en-US")]
    [InlineData(1920, 1080, "ja-JP")]
    [InlineData(1280, 720, "en-US")]
    [InlineData(1280, 720, "ja-JP")]
    public async Task Game_LongAndCjkNames_NoTextIsCutOrCovered(int width, int height, string locale)
    {
        var name = $"{width}x{height}-{locale[..2]}";
        await using var displayContext = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.Server.BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = locale,
        });
        await using var phoneContext = await fixture.NewPhoneContextAsync(locale);
        var display = await displayContext.NewPageAsync();

        // No game yet: the hint to press "New game".
        await display.GotoAsync($"/?key={ServerProcess.TestPresenterKey}");
        await TextLayout.AssertReadableAsync(display, $"{name} display without a game");

        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        await display.GotoAsync($"/?game={game.GameId}");
        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "lobby");
        await TextLayout.AssertReadableAsync(display, $"{name} display, empty lobby");
        await BrowserFixture.ScreenshotAsync(display, $"readable-{name}-lobby-empty");

        var joined = new List<GameClient.JoinedPlayer>();
        foreach (var (nickname, team) in Players)
        {
            joined.Add(await client.JoinAsync(game.GameId, nickname, team));
        }

        // The phone's own player: three CJK characters, which the greeting used to cut.
        var phone = await phoneContext.NewPageAsync();
        await phone.GotoAsync($"/play?game={game.GameId}");
        await phone.GetByTestId("nickname").FillAsync("たなか");
        await phone.GetByTestId("team").FillAsync("The Magnificent Shakers!");
        await phone.GetByTestId("join").ClickAsync();
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "lobby");
        await Expect(display.GetByTestId("leader")).ToHaveCountAsync(Players.Length + 1);
        await TextLayout.AssertReadableAsync(display, $"{name} display, lobby");
        await TextLayout.AssertReadableAsync(phone, $"{name} phone, lobby");
        await BrowserFixture.ScreenshotAsync(display, $"readable-{name}-lobby");
        await BrowserFixture.ScreenshotAsync(phone, $"readable-{locale[..2]}-phone-lobby");

        await client.StartAsync(game.GameId);
        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "running");
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "running");
        for (var i = 0; i < joined.Count; i++)
        {
            await ShakeAsync(client, joined[i], samples: 10 * (joined.Count - i));
        }

        // The first player's score on the board: 90 samples of 101 points.
        var leader = display.GetByTestId("leader").Filter(new() { Has = display.GetByTestId("leader-name").GetByText(Players[0].Nickname, new() { Exact = true }) });
        await Expect(leader.GetByTestId("leader-score")).ToHaveTextAsync((90 * 101).ToString("N0", CultureInfo.GetCultureInfo(locale)));
        await TextLayout.AssertReadableAsync(display, $"{name} display, running");
        await TextLayout.AssertReadableAsync(phone, $"{name} phone, running");
        await BrowserFixture.ScreenshotAsync(display, $"readable-{name}-running");
        await BrowserFixture.ScreenshotAsync(phone, $"readable-{locale[..2]}-phone-running");

        await client.StopAsync(game.GameId);
        await Expect(display.GetByTestId("podium-step")).ToHaveCountAsync(3);
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "finished");
        await TextLayout.AssertReadableAsync(display, $"{name} display, finished");
        await TextLayout.AssertReadableAsync(phone, $"{name} phone, finished");
        await BrowserFixture.ScreenshotAsync(display, $"readable-{name}-finished");
        await BrowserFixture.ScreenshotAsync(phone, $"readable-{locale[..2]}-phone-finished");

        // An error banner takes its own place instead of covering the board.
        await display.GotoAsync($"/?key=wrong-key&game={game.GameId}");
        await display.GetByTestId("start-round").ClickAsync();
        await Expect(display.GetByTestId("banner")).ToBeVisibleAsync();
        await TextLayout.AssertReadableAsync(display, $"{name} display with an error banner");
        await BrowserFixture.ScreenshotAsync(display, $"readable-{name}-banner");
    }

    /// <summary>One batch of identical samples 20 ms apart: m = 20 m/s², so each scores ⌊10 · (20 − 9.81)⌋ = 101.</summary>
    internal static async Task ShakeAsync(GameClient client, GameClient.JoinedPlayer player, int samples)
    {
        await using var connection = await client.ConnectPhoneAsync(player);
        var batch = new MotionBatch
        {
            GameId = player.GameId,
            PlayerId = player.PlayerId,
            Seq = 1,
            Samples = Enumerable.Range(1, samples).Select(i => new MotionSample { T = 20 * i, X = 20 }).ToList(),
        };
        var ack = await connection.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch);
        Assert.True(ack.Accepted, ack.Error);
    }
}
