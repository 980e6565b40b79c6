using Game.Functions.Contracts;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>The hall view through the real server: every player a dot in its team's cluster, and each phone told where its dot is.</summary>
[Collection(BrowserCollection.Name)]
public sealed class HallTests(BrowserFixture fixture)
{
    [Fact]
    public async Task HallView_ThreePlayersOneShakes_EachADotInItsTeamsClusterAndThePhoneSaysWhere()
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        var ann = await client.JoinAsync(game.GameId, "Ann", "Red");
        await client.JoinAsync(game.GameId, "Ben", "Blue");
        await using var phoneContext = await fixture.NewPhoneContextAsync();
        var phone = await phoneContext.NewPageAsync();
        await phone.GotoAsync($"/play?game={game.GameId}");
        await phone.GetByTestId("nickname").FillAsync("Cleo");
        // Another spelling of Ann's team: one cluster, under its first spelling.
        await phone.GetByTestId("team").FillAsync("RED");
        await phone.GetByTestId("join").ClickAsync();

        await using var displayContext = await fixture.NewDisplayContextAsync();
        var display = await displayContext.NewPageAsync();
        await display.GotoAsync($"/?game={game.GameId}&view=hall");
        await Expect(display.GetByTestId("hall")).ToBeVisibleAsync();
        await Expect(display.GetByTestId("leaders")).ToBeHiddenAsync();
        await display.WaitForFunctionAsync("() => window.hallStats?.dots === 3");

        var groups = await display.EvaluateAsync<string[]>("() => hallStats.groups()");
        Assert.Equal(["Red", "Blue"], groups);
        // Ids in join order; Cleo is the second of the Red cluster (group 0), Ben the first of the Blue one.
        var places = await display.EvaluateAsync<int[]>("() => [1, 2].flatMap((id) => [hallStats.dot(id).group, hallStats.dot(id).slot]).concat([hallStats.dot(0).group, hallStats.dot(2).group])");
        Assert.Equal([1, 0, 0, 1, 0, 0], places);
        await Expect(phone.GetByTestId("hall-spot")).ToBeVisibleAsync();
        await Expect(phone.GetByTestId("hall-spot-text")).ToHaveTextAsync("Your dot in the hall view: the Red cluster, 1 of 2 from the top left, near its edge.");

        await client.StartAsync(game.GameId);
        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "running");
        await using (var connection = await client.ConnectPhoneAsync(ann))
        {
            var batch = new MotionBatch
            {
                GameId = ann.GameId, PlayerId = ann.PlayerId, Seq = 1,
                Samples = [.. Enumerable.Range(1, 10).Select(i => new MotionSample { T = 20 * i, X = 20 })],
            };
            Assert.True((await connection.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch)).Accepted);
        }

        // Ann's 10 samples of 101 points reach her dot as a delta; the others' dots keep 0.
        await display.WaitForFunctionAsync("() => hallStats.dot(0).score === 1010");
        var others = await display.EvaluateAsync<double[]>("() => [hallStats.dot(1).score, hallStats.dot(2).score]");
        Assert.Equal([0.0, 0.0], others);
        await Expect(display.GetByTestId("hall-canvas")).ToHaveAttributeAsync("aria-label", "The hall: 3 players in 2 groups. Leading group: Red.");
        await BrowserFixture.ScreenshotAsync(display, "hall-view-three-players");
        await BrowserFixture.ScreenshotAsync(phone, "hall-spot-phone");

        // V switches to the three panels and back; the address keeps the view, so a reload shows the same.
        await display.Keyboard.PressAsync("v");
        await Expect(display.GetByTestId("hall")).ToBeHiddenAsync();
        await Expect(display.GetByTestId("leaders")).ToBeVisibleAsync();
        Assert.DoesNotContain("view=hall", display.Url, StringComparison.Ordinal);
        await display.Keyboard.PressAsync("v");
        await Expect(display.GetByTestId("hall")).ToBeVisibleAsync();
        Assert.Contains("view=hall", display.Url, StringComparison.Ordinal);
        await display.WaitForFunctionAsync("() => hallStats.dots === 3 && hallStats.dot(0).score === 1010");
    }
}
