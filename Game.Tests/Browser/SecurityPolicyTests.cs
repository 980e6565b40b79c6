using System.Text.RegularExpressions;
using Game.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>The pages work under their Content-Security-Policy: nothing they load, run or connect to is blocked.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SecurityPolicyTests(BrowserFixture fixture)
{
    /// <summary>Records every violation the page reports, from before its first script runs.</summary>
    private const string RecordViolations = """
        window.__violations = [];
        document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
        """;

    [Fact]
    public async Task Pages_CreateJoinAndConnect_NoPolicyViolationAndNoConsoleError()
    {
        var errors = new List<string>();
        await using var displayContext = await fixture.NewDisplayContextAsync();
        await using var phoneContext = await fixture.NewPhoneContextAsync();
        var display = await OpenAsync(displayContext, $"/?key={ServerProcess.TestPresenterKey}", errors);

        // The display creates a game (fetch), shows the QR code (img) and watches it (SignalR over WebSockets).
        await display.GetByTestId("create-game").ClickAsync();
        var code = display.GetByTestId("game-code");
        await Expect(code).ToHaveTextAsync(new Regex("^[A-HJ-NP-Z2-9]{5}$"));
        var gameId = (await code.TextContentAsync())!;
        await Expect(display.GetByTestId("join-qr")).ToBeVisibleAsync();
        // decode() rejects for an image that did not load (an SVG without a size of its own has no naturalWidth to check).
        Assert.True(await display.EvaluateAsync<bool>("() => document.getElementById('qr').decode().then(() => true, () => false)"), "the QR code image loaded");

        // The phone joins (fetch) and connects to its hub; the display counts it once its connection is up.
        var phone = await OpenAsync(phoneContext, $"/play?game={gameId}", errors);
        await phone.GetByTestId("nickname").FillAsync("Csp");
        await phone.GetByTestId("join").ClickAsync();
        await Expect(phone.GetByTestId("player")).ToHaveAttributeAsync("data-player-id", new Regex("^p[0-9a-f]{16}$"));
        await Expect(phone.GetByTestId("status")).ToHaveAttributeAsync("data-state", "lobby");
        await Expect(display.GetByTestId("player-count")).ToHaveTextAsync("1");

        Assert.Empty(await display.EvaluateAsync<string[]>("() => window.__violations"));
        Assert.Empty(await phone.EvaluateAsync<string[]>("() => window.__violations"));
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    private static async Task<IPage> OpenAsync(IBrowserContext context, string path, List<string> errors)
    {
        var page = await context.NewPageAsync();
        await page.AddInitScriptAsync(RecordViolations);
        page.PageError += (_, error) => errors.Add($"{path}: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add($"{path}: {message.Text} {message.Location}");
            }
        };
        var response = await page.GotoAsync(path);
        Assert.Contains("script-src 'self'", (await response!.AllHeadersAsync())["content-security-policy"]);
        return page;
    }
}
