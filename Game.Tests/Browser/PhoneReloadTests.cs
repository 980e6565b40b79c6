using System.Globalization;
using System.Text.RegularExpressions;
using Game.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>A phone page reloaded by its player (or by the browser after the phone locked) continues as the same player.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PhoneReloadTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Phone_ReloadedMidRound_KeepsScoringAtOnce()
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        await using var context = await fixture.NewPhoneContextAsync();
        var phone = await JoinAsync(context, game.GameId, "Noor");
        await client.StartAsync(game.GameId);
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "running");

        var before = await ShakeUntilAcknowledgedAsync(phone);
        await Expect(phone.GetByTestId("my-score")).ToHaveTextAsync(Points(before));

        // A real reload: a new page whose events' timeStamps start near 0 again, while the server remembers the
        // device time of this player's last sample.
        await phone.ReloadAsync();
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "running");
        var after = await ShakeUntilAcknowledgedAsync(phone);

        // Every shake after the reload counted as well: none dropped as time_not_increasing (or for any other rule).
        await Expect(phone.GetByTestId("my-score")).ToHaveTextAsync(Points(before + after));
        await client.StopAsync(game.GameId);
        var standing = Assert.Single((await client.ScoreboardAsync(game.GameId)).Players);
        Assert.Equal(RoundTests.PointsPerShake * (before + after), standing.Score);
    }

    [Fact]
    public async Task Phone_ReloadedAfterFinishedGame_DoesNotAskToEnableMotionAgain()
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        await using var context = await fixture.NewPhoneContextAsync();
        var phone = await JoinAsync(context, game.GameId, "Sol");
        await client.StartAsync(game.GameId);
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "running");
        await client.StopAsync(game.GameId);
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "finished");

        await phone.ReloadAsync();
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "finished");
        // Chromium has no iOS permission API: the page listens again by itself, and a reading hides the card.
        await Expect(phone.GetByTestId("enable-motion")).ToBeHiddenAsync();
        await phone.EvaluateAsync(RoundTests.LieStill);
        await Expect(phone.GetByTestId("motion-card")).ToBeHiddenAsync();
        await BrowserFixture.ScreenshotAsync(phone, "phone-finished-reloaded");
    }

    [Fact]
    public async Task Phone_CountersOfBatches_ShowOnlyWithDebug()
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync();
        await using var context = await fixture.NewPhoneContextAsync();
        var phone = await JoinAsync(context, game.GameId, "Ada");

        await Expect(phone.GetByTestId("diagnostics")).ToBeHiddenAsync();
        await Expect(phone.GetByTestId("leave")).ToBeVisibleAsync();

        await phone.GotoAsync($"/play?game={game.GameId}&debug");
        await Expect(phone.GetByTestId("diagnostics")).ToBeVisibleAsync();
        await Expect(phone.GetByTestId("diagnostics")).ToHaveTextAsync(new Regex(@"^sent \d+ · waiting \d+ · # \d+$"), new() { UseInnerText = true });
    }

    private static async Task<IPage> JoinAsync(IBrowserContext context, string gameId, string nickname)
    {
        var phone = await context.NewPageAsync();
        await phone.GotoAsync($"/play?game={gameId}");
        await phone.GetByTestId("nickname").FillAsync(nickname);
        await phone.GetByTestId("join").ClickAsync();
        await phone.GetByTestId("enable-motion").ClickAsync();
        await phone.EvaluateAsync(RoundTests.LieStill);
        await Expect(phone.GetByTestId("motion-card")).ToBeHiddenAsync();
        return phone;
    }

    /// <summary>Shakes until a few batches are acknowledged, stops, and waits until every batch is: answers the number of shakes.</summary>
    private static async Task<int> ShakeUntilAcknowledgedAsync(IPage phone)
    {
        var sentBefore = int.Parse((await phone.GetByTestId("sent").TextContentAsync())!, CultureInfo.InvariantCulture);
        await phone.EvaluateAsync(RoundTests.StartShaking);
        await phone.WaitForFunctionAsync($"() => Number(document.querySelector('[data-testid=sent]').textContent) >= {sentBefore + 3}");
        var shakes = await phone.EvaluateAsync<int>(RoundTests.StopShaking);
        await Expect(phone.GetByTestId("pending")).ToHaveTextAsync("0");
        return shakes;
    }

    private static string Points(int shakes) => (RoundTests.PointsPerShake * shakes).ToString("N0", CultureInfo.GetCultureInfo("en-US"));
}
