using System.Globalization;
using System.Text.RegularExpressions;
using Game.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>The phone page through a server crash: it keeps the samples, reconnects, and resends what was not acknowledged.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ReconnectTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Phone_ServerKilledMidRound_ResendsUnacknowledgedBatchesAndEveryShakeCounts()
    {
        // Its own server: this test kills it, and the other tests share the fixture's.
        await using var server = new ServerProcess(new Dictionary<string, string>
        {
            ["Game:CountdownSeconds"] = "0",
            ["Game:DefaultRoundSeconds"] = "300",
        });
        await server.StartAsync();
        using var client = new GameClient(server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        await client.StartAsync(game.GameId);

        await using var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseUrl,
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            IsMobile = true,
            HasTouch = true,
        });
        var phone = await context.NewPageAsync();
        await phone.GotoAsync($"/play?game={game.GameId}");
        await phone.GetByTestId("nickname").FillAsync("Kai");
        await phone.GetByTestId("join").ClickAsync();
        await phone.GetByTestId("enable-motion").ClickAsync();
        await phone.EvaluateAsync(RoundTests.LieStill);
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "running");

        await phone.EvaluateAsync(RoundTests.StartShaking);
        await Expect(phone.GetByTestId("sent")).ToHaveTextAsync(new Regex("^[1-9]"));
        await server.KillAsync();
        await Expect(phone.GetByTestId("banner")).ToBeVisibleAsync();
        // Batches pile up while the server is gone.
        await Expect(phone.GetByTestId("pending")).ToHaveTextAsync(new Regex(@"^([3-9]|\d{2,})$"));
        var shakes = await phone.EvaluateAsync<int>(RoundTests.StopShaking);
        await BrowserFixture.ScreenshotAsync(phone, "phone-reconnecting");

        await server.StartAsync();
        await Expect(phone.GetByTestId("pending")).ToHaveTextAsync("0", new() { Timeout = 60_000 });
        await Expect(phone.GetByTestId("banner")).ToBeHiddenAsync();
        var expected = RoundTests.PointsPerShake * shakes;
        // The phone's own score comes in a frame, which the server makes only after the store has the ledger.
        await Expect(phone.GetByTestId("my-score")).ToHaveTextAsync(expected.ToString("N0", CultureInfo.GetCultureInfo("en-US")));
        await client.StopAsync(game.GameId);

        var standing = Assert.Single((await client.ScoreboardAsync(game.GameId)).Players);
        Assert.Equal(("Kai", expected), (standing.Nickname, standing.Score));
    }
}
