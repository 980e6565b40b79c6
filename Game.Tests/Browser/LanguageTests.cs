using Game.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>The pages pick their language from navigator.language, which Playwright sets from the context's locale.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LanguageTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Pages_JapaneseBrowser_ShowJapaneseText()
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync();
        await using var displayContext = await fixture.NewDisplayContextAsync("ja-JP");
        await using var phoneContext = await fixture.NewPhoneContextAsync("ja-JP");

        var display = await displayContext.NewPageAsync();
        await display.GotoAsync($"/?game={game.GameId}");
        await Expect(display.GetByTestId("phase")).ToHaveTextAsync("受付中");
        await Expect(display.Locator("html")).ToHaveAttributeAsync("lang", "ja");

        var phone = await phoneContext.NewPageAsync();
        await phone.GotoAsync($"/play?game={game.GameId}");
        await Expect(phone.GetByTestId("join")).ToHaveTextAsync("参加する");
        await phone.GetByTestId("nickname").FillAsync("さくら");
        await phone.GetByTestId("join").ClickAsync();
        await Expect(phone.GetByTestId("hello")).ToHaveTextAsync("こんにちは、さくらさん！");
        await Expect(phone.GetByTestId("status")).ToContainTextAsync("参加しました！");
        await Expect(display.GetByTestId("leader-name")).ToHaveTextAsync("さくら");

        await BrowserFixture.ScreenshotAsync(display, "display-lobby-ja");
        await BrowserFixture.ScreenshotAsync(phone, "phone-lobby-ja");
    }
}
