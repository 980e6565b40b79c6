using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>A whole round through the real pages: a presenter display, a phone that shakes, and the API's durable score.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RoundTests(BrowserFixture fixture)
{
    /// <summary>m = √(12² + 9² + 15²) ≈ 21.21 m/s², so ⌊10 · (21.21 − 9.81)⌋ = 114 points a shake.</summary>
    public static readonly long PointsPerShake = MotionScoring.Points(new MotionSample { X = 12, Y = 9, Z = 15 });

    private const string Nickname = "Mika";
    private const string Team = "Red";

    /// <summary>Other players, driven over SignalR like the load tool, so the board looks like a hall and not like one phone.</summary>
    private static readonly (string Nickname, string Team)[] Others =
    [
        ("Aiko", "Blue"), ("Ben", "Green"), ("さくら", "Red"), ("Daichi", "Blue"), ("Emma", "Yellow"),
        ("Felix", "Green"), ("Hana", "Yellow"), ("Ivan", "Blue"), ("Jun", ""),
    ];

    /// <summary>
    /// Dispatches a synthetic shake about every 20 ms (a phone reports about every 16 ms), alternating sign like a
    /// real shake, and counts them. Each timeout is set when the previous one ran, so two shakes are never closer
    /// than the server's 10 ms minimum and none is dropped as too frequent.
    /// </summary>
    public const string StartShaking = """
        () => {
          let flip = 1;
          window.__shakes = 0;
          const shake = () => {
            flip = -flip;
            window.dispatchEvent(new DeviceMotionEvent("devicemotion", {
              accelerationIncludingGravity: { x: 12 * flip, y: 9, z: 15 * flip },
              interval: 20,
            }));
            window.__shakes++;
            window.__shaking = setTimeout(shake, 20);
          };
          shake();
        }
        """;

    /// <summary>Stops the shakes and answers how many there were.</summary>
    public const string StopShaking = "() => { clearTimeout(window.__shaking); return window.__shakes; }";

    /// <summary>A phone lying still: a real one reports gravity continuously, and the page takes that as a working sensor.</summary>
    public const string LieStill = """
        () => window.dispatchEvent(new DeviceMotionEvent("devicemotion", { accelerationIncludingGravity: { x: 0, y: 0, z: 9.81 }, interval: 16 }))
        """;

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

        var others = new List<GameClient.JoinedPlayer>();
        foreach (var (nickname, team) in Others)
        {
            others.Add(await client.JoinAsync(gameId, nickname, team));
        }

        var phone = await OpenAsync(phoneContext, $"/play?game={gameId}", errors);
        await Expect(phone.GetByTestId("join-code")).ToHaveValueAsync(gameId);
        await phone.GetByTestId("nickname").FillAsync(Nickname);
        await phone.GetByTestId("team").FillAsync(Team);
        await BrowserFixture.ScreenshotAsync(phone, "phone-join");
        await phone.GetByTestId("join").ClickAsync();
        var player = phone.GetByTestId("player");
        await Expect(player).ToHaveAttributeAsync("data-player-id", new Regex("^p[0-9a-f]{16}$"));
        var playerId = (await player.GetAttributeAsync("data-player-id"))!;
        await phone.GetByTestId("enable-motion").ClickAsync();
        await phone.EvaluateAsync(LieStill);
        await Expect(phone.GetByTestId("motion-card")).ToBeHiddenAsync();

        var row = LeaderRow(display, Nickname);
        await Expect(row.GetByTestId("leader-score")).ToHaveTextAsync("0");
        await Expect(display.GetByTestId("player-count")).ToHaveTextAsync((Others.Length + 1).ToString(CultureInfo.InvariantCulture));
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "lobby");
        await BrowserFixture.ScreenshotAsync(display, "display-lobby");
        await BrowserFixture.ScreenshotAsync(phone, "phone-lobby");

        await display.GetByTestId("start-round").ClickAsync();
        var phase = display.GetByTestId("phase");
        await Expect(phase).ToHaveAttributeAsync("data-phase", "countdown");
        await BrowserFixture.ScreenshotAsync(display, "display-countdown");
        await Expect(phase).ToHaveAttributeAsync("data-phase", "running");

        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "running");
        Assert.InRange(await phone.EvaluateAsync<double>(TimeStampStep), 20, 10_000);
        await phone.EvaluateAsync(StartShaking);
        for (var i = 0; i < others.Count; i++)
        {
            await ShakeOnceAsync(client, others[i], samples: 3 * (i + 1));
        }

        await Expect(row.GetByTestId("leader-score")).ToHaveTextAsync(new Regex(@"^[1-9][\d,]*$"));
        await BrowserFixture.ScreenshotAsync(display, "display-running");
        await BrowserFixture.ScreenshotAsync(phone, "phone-running");

        // Every sample flushed and acknowledged (durable in the stream) before the round stops, so all of them count.
        var shakes = await phone.EvaluateAsync<int>(StopShaking);
        await Expect(phone.GetByTestId("pending")).ToHaveTextAsync("0");
        var lastSeq = long.Parse((await phone.GetByTestId("last-seq").TextContentAsync())!, CultureInfo.InvariantCulture);
        // The host's buttons fold away during a round; the small handle brings them back.
        await display.GetByTestId("host-toggle").ClickAsync();
        await display.GetByTestId("stop-round").ClickAsync();
        await Expect(phase).ToHaveAttributeAsync("data-phase", "finished");
        // Shards are read independently: wait for every player's last batch, not only the phone's.
        var expected = others.ToDictionary(o => o.PlayerId, _ => 1L);
        expected[playerId] = lastSeq;
        await WaitUntilAppliedAsync(frames.Reader, expected);

        var scoreboard = await client.ScoreboardAsync(gameId);
        Assert.Equal("finished", scoreboard.State);
        Assert.Equal(Others.Length + 1, scoreboard.Players.Count);
        var standing = Assert.Single(scoreboard.Players, p => p.PlayerId == playerId);
        Assert.Equal((Nickname, Team), (standing.Nickname, standing.Team));
        // Every shake counted exactly once: none lost on the way, none taken twice from a resend.
        Assert.Equal(PointsPerShake * shakes, standing.Score);
        foreach (var p in scoreboard.Players)
        {
            await Expect(LeaderRow(display, p.Nickname).GetByTestId("leader-score")).ToHaveTextAsync(p.Score.ToString("N0", CultureInfo.GetCultureInfo("en-US")));
        }

        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "finished");
        await Expect(phone.GetByTestId("my-score")).ToHaveTextAsync(standing.Score.ToString("N0", CultureInfo.GetCultureInfo("en-US")));
        // Its own rank among everyone, from the phone hub's standing (ties share a rank).
        var rank = 1 + scoreboard.Players.Count(p => p.Score > standing.Score);
        await Expect(phone.GetByTestId("my-rank")).ToHaveTextAsync($"#{rank} / {scoreboard.Players.Count}");
        await BrowserFixture.ScreenshotAsync(display, "display-finished");
        await BrowserFixture.ScreenshotAsync(phone, "phone-finished");

        // A smaller projector gets the same picture, scaled: the results still fit on the screen
        // (0.99 and not 1: the scale leaves float dust such as 0.99999994).
        await display.SetViewportSizeAsync(1280, 800);
        await Expect(display.GetByTestId("podium")).ToBeInViewportAsync(new() { Ratio = 0.99f });
        await Expect(LeaderRow(display, Others[0].Nickname)).ToBeInViewportAsync(new() { Ratio = 0.99f });
        await BrowserFixture.ScreenshotAsync(display, "display-finished-1280x800");
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

    private static ILocator LeaderRow(IPage display, string nickname) =>
        display.GetByTestId("leader").Filter(new LocatorFilterOptions { Has = display.GetByTestId("leader-name").GetByText(nickname, new() { Exact = true }) });

    /// <summary>One batch of identical samples 20 ms apart: m = 20 m/s², so each scores ⌊10 · (20 − 9.81)⌋ = 101.</summary>
    private static async Task ShakeOnceAsync(GameClient client, GameClient.JoinedPlayer player, int samples)
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

    /// <summary>Reads probe frames until each player's applied seq has reached the one given.</summary>
    private static async Task WaitUntilAppliedAsync(ChannelReader<ScoreboardFrame> frames, Dictionary<string, long> expected)
    {
        var waiting = new Dictionary<string, long>(expected);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var frame in frames.ReadAllAsync(timeout.Token))
        {
            foreach (var (player, applied) in frame.Applied)
            {
                if (waiting.TryGetValue(player, out var seq) && applied >= seq)
                {
                    waiting.Remove(player);
                }
            }

            if (waiting.Count == 0)
            {
                return;
            }
        }
    }
}
