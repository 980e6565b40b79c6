using System.Text.RegularExpressions;
using Game.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>A display reloaded mid-round shows the game at once, and its chart keeps the last minute.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DisplayReloadTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Reload_MidRound_DrawsTheLastKnownStateBeforeTheHubAnswersAndTheSnapshotCarriesTheChart()
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        var ada = await client.JoinAsync(game.GameId, "Ada", "Red");
        await client.JoinAsync(game.GameId, "Bo", "Blue");
        await client.JoinAsync(game.GameId, "さくら", "Red");
        await using var context = await fixture.NewDisplayContextAsync();
        var display = await context.NewPageAsync();
        await display.GotoAsync($"/?game={game.GameId}");
        await client.StartAsync(game.GameId);
        var phase = display.GetByTestId("phase");
        await Expect(phase).ToHaveAttributeAsync("data-phase", "running");
        await StageDriver.ShakeAsync(client, ada, seq: 1, samples: 40);
        await Expect(display.GetByTestId("leader-score").First).ToHaveTextAsync("4,040");
        await Expect(display.GetByTestId("chart")).ToHaveAttributeAsync("data-peak", new Regex("^[1-9]"));

        // The hub's negotiation is held back, so what the page shows before the server answers can be read.
        var release = new TaskCompletionSource();
        await display.RouteAsync("**/hubs/presenter/**", async route =>
        {
            await release.Task;
            await route.ContinueAsync();
        });
        await display.ReloadAsync();

        await Expect(phase).ToHaveAttributeAsync("data-phase", "running");
        await Expect(display.GetByTestId("player-count")).ToHaveTextAsync("3");
        await Expect(display.GetByTestId("leader-score").First).ToHaveTextAsync("4,040");
        await Expect(display.GetByTestId("round-number")).ToHaveTextAsync("Round 1");
        await Expect(display.GetByTestId("stale")).ToBeVisibleAsync();
        await Expect(display.GetByTestId("timer")).ToHaveTextAsync(new Regex(@"^[1-4]:\d\d$"));
        await Expect(display.GetByTestId("chart")).ToHaveAttributeAsync("data-peak", new Regex("^[1-9]"));
        await BrowserFixture.ScreenshotAsync(display, "display-reload-before-snapshot");

        release.SetResult();
        await Expect(display.GetByTestId("stale")).ToBeHiddenAsync();
        await Expect(phase).ToHaveAttributeAsync("data-phase", "running");

        // A tab that never saw the game (nothing in its session) gets the chart's last minute from the snapshot alone,
        // and says "connecting" rather than "no game" until then.
        var fresh = await context.NewPageAsync();
        var freshRelease = new TaskCompletionSource();
        await fresh.RouteAsync("**/hubs/presenter/**", async route =>
        {
            await freshRelease.Task;
            await route.ContinueAsync();
        });
        await fresh.GotoAsync($"/?game={game.GameId}");
        await Expect(fresh.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "connecting");
        await Expect(fresh.GetByTestId("phase")).ToHaveTextAsync("Connecting");
        await Expect(fresh.GetByTestId("player-count")).ToHaveTextAsync("–");
        freshRelease.SetResult();
        await Expect(fresh.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "running");
        await Expect(fresh.GetByTestId("chart")).ToHaveAttributeAsync("data-peak", new Regex("^[1-9]"));
        await client.StopAsync(game.GameId);
    }
}
