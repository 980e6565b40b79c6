using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Game.Functions.Contracts;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>A whole round through the real pages: a presenter display, a phone that shakes, and the API's durable score.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RoundTests(BrowserFixture fixture)
{
    private const string Nickname = "Mika";
    private const string Team = "Red";

    /// <summary>Dispatches a synthetic shake every 20 ms (a phone reports about every 16 ms), alternating sign like a real shake.</summary>
    private const string StartShaking = """
        () => {
          let flip = 1;
          window.__shaking = setInterval(() => {
            flip = -flip;
            window.dispatchEvent(new DeviceMotionEvent("devicemotion", {
              accelerationIncludingGravity: { x: 12 * flip, y: 9, z: 15 * flip },
              interval: 20,
            }));
          }, 20);
        }
        """;

    private const string StopShaking = "() => clearInterval(window.__shaking)";

    /// <summary>
    /// The server drops samples whose time does not increase, so a synthetic event must carry a usable
    /// timeStamp: Chromium stamps an event when it is constructed. This answers how far apart two events 25 ms apart are stamped.
    /// </summary>
    private const string TimeStampStep = """
        async () => {
          const first = new DeviceMotionEvent("devicemotion");
          await new Promise((resolve) => setTimeout(resolve, 25));
          return new DeviceMotionEvent("devicemotion").timeStamp - first.timeStamp;
        }
        """;

    [Fact]
    public async Task Round_PhoneShakesWhileRunning_PresenterShowsScoreEqualToApi()
    {
        Assertions.SetDefaultExpectTimeout(20_000);
        var errors = new List<string>();
        await using var displayContext = await fixture.NewDisplayContextAsync();
        await using var phoneContext = await fixture.NewPhoneContextAsync();
        var display = await OpenAsync(displayContext, $"/?key={ServerProcess.TestPresenterKey}", errors);

        // The presenter creates the game with its key from ?key=.
        await display.GetByTestId("create-game").ClickAsync();
        var code = display.GetByTestId("game-code");
        await Expect(code).ToHaveTextAsync(new Regex("^[A-HJ-NP-Z2-9]{5}$"));
        var gameId = (await code.TextContentAsync())!;

        // A probe display (as the load tool watches) says when a phone's batch has reached the scoreboard.
        using var client = new GameClient(fixture.Server);
        await using var probe = await client.ConnectPresenterAsync();
        var frames = Channel.CreateUnbounded<ScoreboardFrame>();
        probe.On<ScoreboardFrame>(nameof(IPresenterClient.Frame), frame => frames.Writer.TryWrite(frame));
        await probe.InvokeAsync<ScoreboardFrame>(PresenterHubMethods.Watch, gameId, true);

        var phone = await OpenAsync(phoneContext, $"/play?game={gameId}", errors);
        await Expect(phone.GetByTestId("join-code")).ToHaveValueAsync(gameId);
        await phone.GetByTestId("nickname").FillAsync(Nickname);
        await phone.GetByTestId("team").FillAsync(Team);
        await phone.GetByTestId("join").ClickAsync();
        var player = phone.GetByTestId("player");
        await Expect(player).ToHaveAttributeAsync("data-player-id", new Regex("^p[0-9a-f]{16}$"));
        var playerId = (await player.GetAttributeAsync("data-player-id"))!;
        await phone.GetByTestId("enable-motion").ClickAsync();
        await Expect(phone.GetByTestId("enable-motion")).ToBeHiddenAsync();

        var row = display.GetByTestId("leader").Filter(new LocatorFilterOptions { Has = display.GetByTestId("leader-name").GetByText(Nickname, new() { Exact = true }) });
        await Expect(row.GetByTestId("leader-score")).ToHaveTextAsync("0");

        await display.GetByTestId("start-round").ClickAsync();
        var phase = display.GetByTestId("phase");
        await Expect(phase).ToHaveAttributeAsync("data-phase", "countdown");
        await ScreenshotAsync(display, "display-countdown");
        await Expect(phase).ToHaveAttributeAsync("data-phase", "running");

        Assert.InRange(await phone.EvaluateAsync<double>(TimeStampStep), 20, 10_000);
        await phone.EvaluateAsync(StartShaking);
        await Expect(row.GetByTestId("leader-score")).ToHaveTextAsync(new Regex(@"^[1-9][\d,]*$"));
        await ScreenshotAsync(display, "display-running");
        await ScreenshotAsync(phone, "phone-running");

        // Every sample flushed and acknowledged (durable in the stream) before the round stops, so all of them count.
        await phone.EvaluateAsync(StopShaking);
        await Expect(phone.GetByTestId("pending")).ToHaveTextAsync("0");
        var lastSeq = long.Parse((await phone.GetByTestId("last-seq").TextContentAsync())!, CultureInfo.InvariantCulture);
        await display.GetByTestId("stop-round").ClickAsync();
        await Expect(phase).ToHaveAttributeAsync("data-phase", "finished");
        await WaitUntilAppliedAsync(frames.Reader, playerId, lastSeq);

        var scoreboard = await client.ScoreboardAsync(gameId);
        Assert.Equal("finished", scoreboard.State);
        var standing = Assert.Single(scoreboard.Players);
        Assert.Equal((playerId, Nickname, Team), (standing.PlayerId, standing.Nickname, standing.Team));
        Assert.True(standing.Score > 0, $"The API's score is {standing.Score}.");
        await Expect(row.GetByTestId("leader-score")).ToHaveTextAsync(standing.Score.ToString("N0", CultureInfo.GetCultureInfo("en-US")));
        await ScreenshotAsync(display, "display-finished");
        await ScreenshotAsync(phone, "phone-finished");
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    /// <summary>Opens a page and records what would show as a red line in its console: script errors and failed loads.</summary>
    private static async Task<IPage> OpenAsync(IBrowserContext context, string path, List<string> errors)
    {
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => errors.Add($"{path}: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add($"{path}: {message.Text} {message.Location}");
            }
        };
        await page.GotoAsync(path);
        return page;
    }

    private static async Task WaitUntilAppliedAsync(ChannelReader<ScoreboardFrame> frames, string playerId, long seq)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var frame in frames.ReadAllAsync(timeout.Token))
        {
            if (frame.Applied.TryGetValue(playerId, out var applied) && applied >= seq)
            {
                return;
            }
        }
    }

    private static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png") });
}
