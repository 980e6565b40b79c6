using System.Collections;
using Game.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Game.Tests.Browser;

/// <summary>
/// One real server and one headless Debian Chromium shared by the browser tests: both take seconds to start,
/// and each test opens its own browser contexts, so tests do not see each other's pages or storage.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Where screenshots go: TestResults/ is ignored by git and is where scripts/test puts results.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(ServerProcess.RepositoryRoot, "TestResults", "screenshots");

    private readonly DirectoryInfo _browserHome = Directory.CreateTempSubdirectory("game-chromium-");
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public ServerProcess Server { get; } = new(new Dictionary<string, string>
    {
        // The real 3-2-1: the round test must see (and photograph) the countdown before it ends, even on a busy machine.
        ["Game:CountdownSeconds"] = "3",
        // The test stops the round itself; a long round cannot end under a slow machine.
        ["Game:DefaultRoundSeconds"] = "300",
    });

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync()
    {
        // Chromium comes from Debian; Playwright must never fetch its own.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Directory.CreateDirectory(ScreenshotDirectory);
        // Frames come at most every 50 ms, but a shared CI machine can stall a server for seconds.
        Assertions.SetDefaultExpectTimeout(20_000);
        await Server.StartAsync();

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("GAME_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Headless = true,
            // As root in a container Chromium needs no sandbox; the rest keeps it from calling home during a test.
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"],
            Env = BrowserEnvironment(),
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        await Server.DisposeAsync();
        _browserHome.Delete(recursive: true);
    }

    /// <summary>A projector: 1920×1080, English unless told otherwise.</summary>
    public Task<IBrowserContext> NewDisplayContextAsync(string locale = "en-US") => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        BaseURL = Server.BaseUrl,
        ViewportSize = new ViewportSize { Width = 1920, Height = 1080 },
        Locale = locale,
    });

    /// <summary>A phone: 390×844 with touch, as an iPhone 12-14 reports itself.</summary>
    public Task<IBrowserContext> NewPhoneContextAsync(string locale = "en-US") => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        BaseURL = Server.BaseUrl,
        ViewportSize = new ViewportSize { Width = 390, Height = 844 },
        DeviceScaleFactor = 1,
        IsMobile = true,
        HasTouch = true,
        Locale = locale,
    });

    /// <summary>Saves a screenshot under <see cref="ScreenshotDirectory"/> to look at.</summary>
    public static Task ScreenshotAsync(IPage page, string name) =>
        // Animations run to their end first, so the picture shows the settled page and not a frame of a transition.
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), Animations = ScreenshotAnimations.Disabled });

    /// <summary>Playwright replaces the browser's environment when given one, so this passes ours on with a private profile home.</summary>
    private List<KeyValuePair<string, string>> BrowserEnvironment()
    {
        var environment = new List<KeyValuePair<string, string>>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (name is not ("XDG_CONFIG_HOME" or "XDG_CACHE_HOME"))
            {
                environment.Add(new(name, (string?)entry.Value ?? ""));
            }
        }

        environment.Add(new("XDG_CONFIG_HOME", _browserHome.CreateSubdirectory("config").FullName));
        environment.Add(new("XDG_CACHE_HOME", _browserHome.CreateSubdirectory("cache").FullName));
        return environment;
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
