using System.Text.Json;
using Game.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>The podium keeps its shape whatever the winners are called.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PodiumTests(BrowserFixture fixture)
{
    /// <summary>The widest 24 characters the join form takes.</summary>
    private const string LongName = "WWWWWWWWWWWWWWWWWWWWWWWW";

    /// <summary>Each step's box, its name's box and widths, and the board it stands in.</summary>
    private const string Measure = """
        () => {
          const box = (e) => { const r = e.getBoundingClientRect(); return { Left: r.left, Right: r.right, Top: r.top, Bottom: r.bottom, Width: r.width, Height: r.height }; };
          const Steps = [...document.querySelectorAll("[data-testid=podium-step]")].map((step) => {
            const who = step.querySelector(".who");
            return {
              Place: Number(step.dataset.place), Step: box(step), Block: box(step.querySelector(".block")), Name: who.textContent,
              NameScroll: who.scrollWidth, NameClient: who.clientWidth, Ellipsis: getComputedStyle(who).textOverflow === "ellipsis", NameBox: box(who),
            };
          });
          return { Board: box(document.querySelector(".board")), Steps };
        }
        """;

    [Fact]
    public async Task Podium_LongFirstPlaceName_StepsKeepTheirProportionsAndTheNameEndsInAnEllipsis()
    {
        using var client = new GameClient(fixture.Server);
        var game = await client.CreateGameAsync(roundSeconds: 300);
        var first = await client.JoinAsync(game.GameId, LongName, "Red");
        var second = await client.JoinAsync(game.GameId, "Tom", "Blue");
        var third = await client.JoinAsync(game.GameId, "Li", "");
        await using var context = await fixture.NewDisplayContextAsync();
        var display = await context.NewPageAsync();
        await display.GotoAsync($"/?game={game.GameId}");
        await client.StartAsync(game.GameId);
        await Expect(display.GetByTestId("phase")).ToHaveAttributeAsync("data-phase", "running");
        await ReadableTextTests.ShakeAsync(client, first, samples: 30);
        await ReadableTextTests.ShakeAsync(client, second, samples: 20);
        await ReadableTextTests.ShakeAsync(client, third, samples: 10);
        // Li's 10 samples of 101 points on the board: the last of the three batches has been applied.
        var li = display.GetByTestId("leader").Filter(new() { Has = display.GetByTestId("leader-name").GetByText("Li", new() { Exact = true }) });
        await Expect(li.GetByTestId("leader-score")).ToHaveTextAsync("1,010");
        await client.StopAsync(game.GameId);
        await Expect(display.GetByTestId("podium-step")).ToHaveCountAsync(3);
        await display.EvaluateAsync("() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {})))");
        await BrowserFixture.ScreenshotAsync(display, "podium-long-name");

        var measured = (await display.EvaluateAsync<JsonElement>(Measure)).Deserialize<Measured>()!;
        var steps = measured.Steps.ToDictionary(s => s.Place);
        Assert.Equal([LongName, "Tom", "Li"], [steps[1].Name, steps[2].Name, steps[3].Name]);
        // Second, first, third from the left; the first widest and tallest, the other two alike.
        Assert.True(steps[2].Step.Right <= steps[1].Step.Left && steps[1].Step.Right <= steps[3].Step.Left, "The steps are not in the order 2, 1, 3.");
        Assert.True(steps[1].Block.Width > steps[2].Block.Width * 1.2, $"The first step ({steps[1].Block.Width}) is not the widest ({steps[2].Block.Width}).");
        Assert.Equal(steps[2].Block.Width, steps[3].Block.Width, precision: 1);
        Assert.True(steps[1].Block.Height > steps[2].Block.Height && steps[2].Block.Height > steps[3].Block.Height, "The blocks are not 1 > 2 > 3 in height.");
        // All three inside the board, the third place included.
        foreach (var step in measured.Steps)
        {
            Assert.True(step.Step.Left >= measured.Board.Left && step.Step.Right <= measured.Board.Right, $"Step {step.Place} runs out of the board.");
            Assert.True(step.NameBox.Left >= step.Step.Left - 0.5 && step.NameBox.Right <= step.Step.Right + 0.5, $"The name on step {step.Place} is wider than its step.");
        }

        // The long name is cut by design, with an ellipsis; the short ones whole.
        Assert.True(steps[1].Ellipsis && steps[1].NameScroll > steps[1].NameClient, "The long name is not cut with an ellipsis.");
        Assert.True(steps[2].NameScroll <= steps[2].NameClient && steps[3].NameScroll <= steps[3].NameClient, "A short name is cut.");
    }

    // Read from the page's JSON with System.Text.Json (Playwright's own converter does not fill nested lists).
    private sealed class Box
    {
        public double Left { get; set; }

        public double Right { get; set; }

        public double Top { get; set; }

        public double Bottom { get; set; }

        public double Width { get; set; }

        public double Height { get; set; }
    }

    private sealed class PodiumStep
    {
        public int Place { get; set; }

        public Box Step { get; set; } = new();

        public Box Block { get; set; } = new();

        public string Name { get; set; } = "";

        public double NameScroll { get; set; }

        public double NameClient { get; set; }

        public bool Ellipsis { get; set; }

        public Box NameBox { get; set; } = new();
    }

    private sealed class Measured
    {
        public Box Board { get; set; } = new();

        public List<PodiumStep> Steps { get; set; } = [];
    }
}
