using System.Text.Json;
using Game.Functions.Contracts;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>
/// The pages for everyone: axe-core (from npm, injected into the page) finds no serious or critical WCAG 2.1 A/AA
/// violation on the phone and the display in their main states, in English and Japanese; team colours differ for
/// colour-blind eyes and carry a mark; a reduced-motion setting stops the animations.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture fixture)
{
    private static readonly Lazy<string> AxeSource = new(() => File.ReadAllText(Path.Combine(NodeModules, "axe-core", "axe.min.js")));

    private static string NodeModules =>
        Environment.GetEnvironmentVariable("GAME_TEST_NODE_MODULES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(ServerProcess.RepositoryRoot, "Game.Tests", "node", "node_modules");

    /// <summary>Runs axe on the page as it is now and answers the serious and critical violations, one line each.</summary>
    private const string RunAxe = """
        async () => {
          const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, resultTypes: ["violations"] });
          return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
            .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(" ")} — ${n.failureSummary?.replace(/\s+/g, " ")}`));
        }
        """;

    [Theory]
    [InlineData("en-US")]
    [InlineData("ja-JP")]
    public async Task Pages_MainStatesOfPhoneAndDisplay_NoSeriousOrCriticalAxeViolation(string locale)
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        var ann = await client.JoinAsync(game.GameId, "Ann", "Red");
        await client.JoinAsync(game.GameId, "Ben", "Blue");
        await client.JoinAsync(game.GameId, "Kai", "Foxes");
        await using var displayContext = await fixture.NewDisplayContextAsync(locale);
        await using var phoneContext = await fixture.NewPhoneContextAsync(locale);
        var display = await displayContext.NewPageAsync();
        var phone = await phoneContext.NewPageAsync();
        var found = new List<string>();

        await phone.GotoAsync($"/play?game={game.GameId}");
        found.AddRange(await AxeAsync(phone, "phone, join form"));
        await phone.GetByTestId("nickname").FillAsync("Cleo");
        await phone.GetByTestId("team").FillAsync("Green");
        await phone.GetByTestId("join").ClickAsync();
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "lobby");
        await Expect(phone.GetByTestId("hall-spot")).ToBeVisibleAsync();
        found.AddRange(await AxeAsync(phone, "phone, lobby"));

        await display.GotoAsync($"/?game={game.GameId}");
        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "lobby");
        await Expect(display.GetByTestId("leader")).ToHaveCountAsync(4);
        found.AddRange(await AxeAsync(display, "display, lobby"));

        await client.StartAsync(game.GameId);
        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "running");
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "running");
        await using (var connection = await client.ConnectPhoneAsync(ann))
        {
            var batch = new MotionBatch { GameId = ann.GameId, PlayerId = ann.PlayerId, Seq = 1, Samples = [.. Enumerable.Range(1, 10).Select(i => new MotionSample { T = 20 * i, X = 20 })] };
            Assert.True((await connection.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch)).Accepted);
        }

        await Expect(display.GetByTestId("leader-score").First).Not.ToHaveTextAsync("0");
        found.AddRange(await AxeAsync(display, "display, running"));
        found.AddRange(await AxeAsync(phone, "phone, running"));

        await display.Keyboard.PressAsync("v");
        await display.WaitForFunctionAsync("() => window.hallStats?.dots === 4");
        found.AddRange(await AxeAsync(display, "display, hall view"));
        await display.Keyboard.PressAsync("v");

        await client.StopAsync(game.GameId);
        await Expect(display.GetByTestId("podium")).ToBeVisibleAsync();
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "finished");
        found.AddRange(await AxeAsync(display, "display, finished"));
        found.AddRange(await AxeAsync(phone, "phone, finished"));

        Assert.True(found.Count == 0, $"axe-core found {found.Count} serious or critical violations ({locale}):\n" + string.Join("\n", found));
    }

    [Fact]
    public async Task Palette_TeamsNamedAfterColoursAndHashedOnes_OkabeItoColoursEachWithItsOwnMarkAndReadableInk()
    {
        await using var context = await fixture.NewDisplayContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/play");

        var styles = (await page.EvaluateAsync<JsonElement>("""
            async () => {
              const { teamStyle } = await import("/shared/palette.js");
              const lum = (hex) => { const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
              const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
              const names = ["Red", "赤組", "Orange", "Yellow", "Green", "Sky", "Blue", "Purple", "White", "Black", "Foxes", "Owls", "", "red team"];
              return names.map((name) => { const s = teamStyle(name); return { Name: name, Color: s.color.toUpperCase(), Mark: s.mark, Contrast: contrast(s.color, s.ink) }; });
            }
            """)).Deserialize<List<Style>>()!;

        var byName = styles.ToDictionary(s => s.Name);
        // Okabe–Ito: vermillion, orange, yellow, bluish green, sky blue, blue, reddish purple.
        string[] okabeIto = ["#D55E00", "#E69F00", "#F0E442", "#009E73", "#56B4E9", "#0072B2", "#CC79A7"];
        Assert.Equal(okabeIto, new[] { "Red", "Orange", "Yellow", "Green", "Sky", "Blue", "Purple" }.Select(n => byName[n].Color));
        Assert.Equal(9, styles.Where(s => s.Name is not ("" or "Foxes" or "Owls" or "赤組" or "red team")).Select(s => s.Mark).Distinct().Count());
        Assert.Equal(byName["Red"], byName["赤組"] with { Name = "Red" });
        Assert.Equal(byName["Red"], byName["red team"] with { Name = "Red" });
        Assert.Contains(byName["Foxes"].Color, okabeIto);
        Assert.Equal("ring", byName[""].Mark);
        Assert.All(styles, s => Assert.True(s.Contrast >= 4.5, $"Text on {s.Name}'s colour has a contrast of {s.Contrast:F2}."));
    }

    [Fact]
    public async Task ReducedMotion_RunningRoundAndHallView_NoAnimationRunsAndTheHallDrawsOnlyOnChange()
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        await client.JoinAsync(game.GameId, "Ann", "Red");
        await using var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.Server.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1920, Height = 1080 },
            ReducedMotion = ReducedMotion.Reduce,
        });
        var display = await context.NewPageAsync();
        await display.GotoAsync($"/?game={game.GameId}");
        await client.StartAsync(game.GameId);
        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "running");
        await Expect(display.GetByTestId("leader")).ToHaveCountAsync(1);

        Assert.Equal(0, await display.EvaluateAsync<int>("() => document.getAnimations().length"));

        await display.Keyboard.PressAsync("v");
        await display.WaitForFunctionAsync("() => window.hallStats?.dots === 1 && hallStats.draws > 0");
        // Thirty animation frames with nothing new (half a second on a quiet machine; however long a busy one takes):
        // the canvas is not drawn again.
        var draws = await display.EvaluateAsync<int[]>("""
            async () => {
              const before = [hallStats.draws, hallStats.animationFrames], start = performance.now();
              while (hallStats.animationFrames - before[1] < 30 && performance.now() - start < 15000) {
                await new Promise((done) => setTimeout(done, 50));
              }
              return [hallStats.draws - before[0], hallStats.animationFrames - before[1]];
            }
            """);
        Assert.True(draws[1] >= 30, $"Only {draws[1]} animation frames.");
        Assert.Equal(0, draws[0]);
    }

    private static async Task<IReadOnlyList<string>> AxeAsync(IPage page, string what)
    {
        // Animations to their end first: axe reads colours, and a fading element is half its colour. Jumped there, not
        // awaited: a looping one (the running phase's pulse) never finishes, and is cancelled to its resting style.
        await page.EvaluateAsync("() => document.getAnimations().forEach((a) => { try { a.finish(); } catch { a.cancel(); } })");
        if (!await page.EvaluateAsync<bool>("() => typeof axe !== 'undefined'"))
        {
            // Evaluated through the DevTools protocol: the page's script-src 'self' does not apply to it.
            await page.EvaluateAsync(AxeSource.Value);
        }

        return [.. (await page.EvaluateAsync<string[]>(RunAxe)).Select(line => $"{what}: {line}")];
    }

    private sealed record Style
    {
        public string Name { get; init; } = "";

        public string Color { get; init; } = "";

        public string Mark { get; init; } = "";

        public double Contrast { get; init; }
    }
}
