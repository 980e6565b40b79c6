using Game.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>
/// The display's join link: the test server listens on 127.0.0.1 only, which no phone can open, so the display must
/// say so on screen (in the display's language) beside the link it shows.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class JoinLinkTests(BrowserFixture fixture)
{
    [Theory]
    [InlineData("en-US", "Phones cannot open this address. Restart the server with --urls http://0.0.0.0:5000, or set Game:PublicUrl to an address phones reach.")]
    [InlineData("ja-JP", "スマホからはこのアドレスを開けません。--urls http://0.0.0.0:5000 でサーバーを起動し直すか、Game:PublicUrl にスマホから届くアドレスを設定してください。")]
    public async Task Display_OnlyLoopbackAddress_ShowsTheLinkAndHowToFixIt(string locale, string notice)
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync();
        await using var context = await fixture.NewDisplayContextAsync(locale);
        var display = await context.NewPageAsync();

        await display.GotoAsync($"/?game={game.GameId}");

        await Expect(display.GetByTestId("join-url")).ToHaveTextAsync($"{new Uri(fixture.Server.BaseUrl).Authority}/play");
        await Expect(display.GetByTestId("join-notice")).ToBeVisibleAsync();
        await Expect(display.GetByTestId("join-notice")).ToHaveTextAsync(notice);
        await Expect(display.GetByTestId("join-qr")).ToHaveAttributeAsync("alt", $"{fixture.Server.BaseUrl}/play?game={game.GameId}");
        await BrowserFixture.ScreenshotAsync(display, $"display-join-notice-{locale}");
    }
}
