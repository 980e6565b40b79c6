using Game.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>What the phone says about its motion sensor: iOS's permission prompt, a refusal, and no sensor at all.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PhoneMotionTests(BrowserFixture fixture)
{
    /// <summary>Safari's API, which Chromium lacks: the page must ask from the tap and honour the answer.</summary>
    private const string IosPermission = "answer => { window.DeviceMotionEvent.requestPermission = () => { window.__asked = navigator.userActivation.isActive; return Promise.resolve(answer); }; }";

    [Fact]
    public async Task Phone_IosPermissionGranted_AsksFromTheTapAndListens()
    {
        var (phone, context) = await JoinAsync(iosAnswer: "granted");
        await using var _ = context;

        await phone.GetByTestId("enable-motion").ClickAsync();
        await phone.EvaluateAsync(RoundTests.LieStill);

        await Expect(phone.GetByTestId("motion-card")).ToBeHiddenAsync();
        Assert.True(await phone.EvaluateAsync<bool>("() => window.__asked"), "requestPermission was not called during the tap.");
    }

    [Fact]
    public async Task Phone_IosPermissionDenied_SaysHowToAllowMotion()
    {
        var (phone, context) = await JoinAsync(iosAnswer: "denied");
        await using var _ = context;

        await phone.GetByTestId("enable-motion").ClickAsync();

        await Expect(phone.GetByTestId("motion-text")).ToHaveTextAsync("Motion access was denied. Allow Motion & Orientation for this site in your browser settings, then reload.");
        await Expect(phone.GetByTestId("enable-motion")).ToBeHiddenAsync();
        await BrowserFixture.ScreenshotAsync(phone, "phone-motion-denied");
    }

    [Fact]
    public async Task Phone_NoMotionReadings_SaysTheSensorIsMissing()
    {
        var (phone, context) = await JoinAsync(iosAnswer: null);
        await using var _ = context;

        // Headless Chromium has no sensor, so nothing (or one empty reading) arrives after the listener is added.
        await phone.GetByTestId("enable-motion").ClickAsync();

        await Expect(phone.GetByTestId("motion-text")).ToHaveTextAsync("This device has no motion sensor, or the browser keeps it switched off. You can still watch the big screen!");
    }

    private async Task<(IPage Phone, IBrowserContext Context)> JoinAsync(string? iosAnswer)
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync();
        var context = await fixture.NewPhoneContextAsync();
        if (iosAnswer is not null)
        {
            await context.AddInitScriptAsync($"({IosPermission})({System.Text.Json.JsonSerializer.Serialize(iosAnswer)})");
        }

        var phone = await context.NewPageAsync();
        await phone.GotoAsync($"/play?game={game.GameId}");
        await phone.GetByTestId("nickname").FillAsync("Rin");
        await phone.GetByTestId("join").ClickAsync();
        await Expect(phone.GetByTestId("motion-text")).ToHaveTextAsync("Tap the button so your phone can feel the shakes.");
        return (phone, context);
    }
}
