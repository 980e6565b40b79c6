using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class PhoneJoinTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Phone_UnknownCode_SaysWhyAndStaysOnTheForm()
    {
        await using var context = await fixture.NewPhoneContextAsync();
        var phone = await context.NewPageAsync();
        await phone.GotoAsync("/play");

        await phone.GetByTestId("join-code").FillAsync("zzzzz");
        await phone.GetByTestId("nickname").FillAsync("Noa");
        await phone.GetByTestId("join").ClickAsync();

        // The server's own reason, after the page's lead-in; the code is sent upper-cased as the projector shows it.
        await Expect(phone.GetByTestId("join-error")).ToHaveTextAsync("Could not join: No game has the code 'ZZZZZ'.");
        await Expect(phone.GetByTestId("join-form")).ToBeVisibleAsync();
        await Expect(phone.GetByTestId("player")).ToBeHiddenAsync();
    }
}
