using Game.Functions.Contracts;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;

namespace Game.Tests.Browser;

/// <summary>What the stage tests share: players that shake over SignalR round after round, and a settled page.</summary>
internal static class StageDriver
{
    /// <summary>Points of one sample of <see cref="ShakeAsync"/>: m = 20 m/s², ⌊10 · (20 − 9.81)⌋ = 101.</summary>
    public const long PointsPerSample = 101;

    /// <summary>
    /// One batch of identical samples 20 ms apart as a phone would send it; <paramref name="seq"/> counts the player's
    /// batches (1, 2, …) and puts each batch's device times after the last one's, so every round's batch counts.
    /// </summary>
    public static async Task ShakeAsync(GameClient client, GameClient.JoinedPlayer player, long seq, int samples)
    {
        await using var connection = await client.ConnectPhoneAsync(player);
        var batch = new MotionBatch
        {
            GameId = player.GameId,
            PlayerId = player.PlayerId,
            Seq = seq,
            Samples = Enumerable.Range(1, samples).Select(i => new MotionSample { T = (100_000 * seq) + (20 * i), X = 20 }).ToList(),
        };
        var ack = await connection.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch);
        Assert.True(ack.Accepted, ack.Error);
    }

    /// <summary>Starts a round and waits out its countdown (samples before the round's start do not count).</summary>
    public static async Task StartRoundAsync(GameClient client, string gameId)
    {
        await client.StartAsync(gameId);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await client.ScoreboardAsync(gameId)).State != "running")
        {
            await Task.Delay(100, deadline.Token);
        }
    }

    /// <summary>Waits for every animation and transition that ends (rows sliding, the podium rising) to end; a looping one never does.</summary>
    public static Task SettleAsync(IPage page) => page.EvaluateAsync("""
        () => Promise.all(document.getAnimations()
          .filter((a) => a.effect?.getComputedTiming().endTime !== Infinity)
          .map((a) => a.finished.catch(() => {})))
        """);

    /// <summary>A display context of any size, for the host (the key goes in with the first page) or a viewer.</summary>
    public static Task<IBrowserContext> DisplayAsync(BrowserFixture fixture, int width = 1920, int height = 1080, string locale = "en-US") =>
        fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.Server.BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = locale,
        });

    /// <summary>The host's view of a game: the presenter key from the address moves to localStorage.</summary>
    public static string HostPath(string gameId) => $"/?key={ServerProcess.TestPresenterKey}&game={gameId}";
}
