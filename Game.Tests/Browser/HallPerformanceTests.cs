using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Game.Functions.Contracts;
using Game.Functions.Games;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Game.Tests.Browser;

/// <summary>
/// The hall view's frame rate with 5,000 players while their frames arrive: at least 30 frames a second in headless
/// Chromium at 1920×1080.
/// </summary>
/// <remarks>
/// The test is the presenter hub: Playwright takes over the page's WebSocket to <c>/hubs/presenter</c> and answers
/// the SignalR handshake, <c>Watch</c> and <c>WatchHall</c>, then pushes hall deltas 20 times a second (the server's
/// default frame rate), each with 10 % of the players changed. The frames are the real ones: built by the server's
/// <see cref="HallLayout"/> and written by SignalR's own MessagePack hub protocol, byte for byte what the server
/// sends, and decoded by the page's own SignalR client. Driving 5,000 phones through the real server instead would
/// put the server, the phones and the browser on the same two shared cores, and the figure would measure that
/// machine rather than the display; the path from the server to the page is covered by <see cref="HallTests"/>.
/// </remarks>
[Collection(BrowserCollection.Name)]
public sealed class HallPerformanceTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private const int Players = 5_000;
    private const int Teams = 8;
    private const string GameId = "HALLS";
    private static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Animation frames a second of a page, whatever it draws.</summary>
    private const string MeasureCeiling = """
        async (ms) => {
          let frames = 0;
          const start = performance.now();
          await new Promise((done) => {
            const step = () => { frames++; if (performance.now() - start < ms) requestAnimationFrame(step); else done(); };
            requestAnimationFrame(step);
          });
          return frames / ((performance.now() - start) / 1000);
        }
        """;

    private const string MeasureFrameRate = """
        async (ms) => {
          const before = { ...hallStats };
          let frames = 0;
          const start = performance.now();
          await new Promise((done) => {
            const step = () => { frames++; if (performance.now() - start < ms) requestAnimationFrame(step); else done(); };
            requestAnimationFrame(step);
          });
          const seconds = (performance.now() - start) / 1000;
          return { Fps: frames / seconds, Draws: hallStats.draws - before.draws, HallFrames: hallStats.frames - before.frames,
                   Dots: hallStats.dots, DrawMs: hallStats.drawMs, Seconds: seconds, Resyncs: hallStats.resyncs };
        }
        """;

    [BenchmarkFact]
    public async Task HallView_FiveThousandPlayersTenPercentChangingTwentyTimesASecond_AtLeastThirtyFramesPerSecond()
    {
        var random = new Random(13);
        var hall = new HallLayout();
        var scores = new Dictionary<string, long>();
        var ids = new string[Players];
        for (var i = 0; i < Players; i++)
        {
            ids[i] = "p" + i.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
            hall.Add(new PlayerProfile { PlayerId = ids[i], Nickname = ids[i], Team = "Team " + (char)('A' + (i % Teams)) });
            scores[ids[i]] = random.Next(0, 20_000);
        }

        hall.Delta(GameId, 1, id => scores[id]);
        var hub = new FakePresenterHub(hall, scores);
        await using var context = await fixture.NewDisplayContextAsync();
        // The machine's ceiling in the same minute: the same display in its three-panel view, which draws almost
        // nothing. On a shared machine whose other load leaves the browser fewer than 50 frames a second for that,
        // 30 frames a second cannot be asked of the hall; it must then keep 60 % of the ceiling.
        var ceilingPage = await context.NewPageAsync();
        await ceilingPage.GotoAsync("/");
        var ceilingBefore = await ceilingPage.EvaluateAsync<double>(MeasureCeiling, 3000);
        await ceilingPage.CloseAsync();
        var display = await context.NewPageAsync();
        await display.RouteWebSocketAsync(url => url.Contains(HubPaths.Presenter, StringComparison.Ordinal), hub.Accept);
        await display.GotoAsync($"/?game={GameId}&view=hall");
        await display.WaitForFunctionAsync($"() => window.hallStats?.dots === {Players}");
        Assert.Empty(hub.Errors);

        using var feeding = new CancellationTokenSource();
        var feeder = Task.Run(() => hub.FeedAsync(ids, random, FrameInterval, feeding.Token));
        try
        {
            // A second to settle (the first frames grow the dots in), then five measured.
            await display.EvaluateAsync(MeasureFrameRate, 1000);
            var measured = (await display.EvaluateAsync<JsonElement>(MeasureFrameRate, 5000)).Deserialize<Measured>()!;
            await display.Keyboard.PressAsync("v");
            var ceilingAfter = await display.EvaluateAsync<double>(MeasureCeiling, 3000);
            var ceiling = (ceilingBefore + ceilingAfter) / 2;
            var required = Math.Min(30, ceiling * 0.6);
            output.WriteLine($"ceiling (three-panel view, same page): {ceilingBefore:F1} fps before, {ceilingAfter:F1} after; required {required:F1} fps");
            output.WriteLine(
                $"hall view, {measured.Dots} players, deltas of {Players / 10} every {FrameInterval.TotalMilliseconds} ms: {measured.Fps:F1} fps over {measured.Seconds:F1} s, " +
                $"{measured.Draws} draws, {measured.HallFrames} hall frames applied, last draw {measured.DrawMs:F1} ms, delta {hub.LastDeltaBytes} bytes");
            await BrowserFixture.ScreenshotAsync(display, "hall-view-5000");

            Assert.Empty(hub.Errors);
            Assert.Equal(Players, measured.Dots);
            Assert.Equal(0, measured.Resyncs);
            Assert.True(measured.Fps >= required, $"The hall view drew {measured.Fps:F1} frames a second with {Players} players (ceiling {ceiling:F1}).");
            // Every animation frame was a real draw, and the deltas kept arriving while it was measured.
            Assert.True(measured.Draws >= measured.Fps * measured.Seconds * 0.9, $"{measured.Draws} draws in {measured.Fps * measured.Seconds:F0} animation frames.");
            Assert.True(measured.HallFrames >= 40, $"Only {measured.HallFrames} hall frames arrived in 5 s.");
        }
        finally
        {
            await feeding.CancelAsync();
            await feeder;
        }

        await Expect(display.GetByTestId("hall")).ToBeHiddenAsync();
    }

    /// <summary>
    /// The presenter hub as the page sees it over its WebSocket: handshake, then answers to <c>Watch</c> and
    /// <c>WatchHall</c>, then pushed hall deltas, all in SignalR's MessagePack protocol.
    /// </summary>
    private sealed class FakePresenterHub(HallLayout hall, Dictionary<string, long> scores) : IInvocationBinder
    {
        private readonly MessagePackHubProtocol _protocol = new();
        private readonly Lock _gate = new();
        private readonly TaskCompletionSource<IWebSocketRoute> _watching = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _version = 1;

        public int LastDeltaBytes { get; private set; }

        /// <summary>What went wrong inside the route's callbacks, where an exception would take Playwright's connection down.</summary>
        public List<string> Errors { get; } = [];

        public void Accept(IWebSocketRoute route) => route.OnMessage(frame =>
        {
            try
            {
                Answer(route, frame);
            }
            catch (Exception ex)
            {
                lock (Errors)
                {
                    Errors.Add(ex.ToString());
                }
            }
        });

        private void Answer(IWebSocketRoute route, IWebSocketFrame frame)
        {
            var binary = frame.Binary is { Length: > 0 } bytes ? bytes : System.Text.Encoding.UTF8.GetBytes(frame.Text ?? "");
            if (binary is [(byte)'{', (byte)'"', ..])
            {
                // The handshake, {"protocol":"messagepack","version":1} and a record separator; the answer is JSON too.
                route.Send("{}\u001e");
                return;
            }

            var buffer = new ReadOnlySequence<byte>(binary);
            while (_protocol.TryParseMessage(ref buffer, this, out var message))
            {
                if (message is InvocationMessage { InvocationId: { } id } invocation)
                {
                    route.Send(_protocol.GetMessageBytes(CompletionMessage.WithResult(id, Answer(invocation))).ToArray());
                    if (invocation.Target == PresenterHubMethods.WatchHall)
                    {
                        _watching.TrySetResult(route);
                    }
                }
            }
        }

        /// <summary>Pushes a delta of a tenth of the players every interval until cancelled.</summary>
        public async Task FeedAsync(string[] ids, Random random, TimeSpan interval, CancellationToken cancellationToken)
        {
            var route = await _watching.Task.WaitAsync(cancellationToken);
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(cancellationToken))
                {
                    byte[] bytes;
                    lock (_gate)
                    {
                        for (var i = 0; i < ids.Length / 10; i++)
                        {
                            scores[ids[random.Next(ids.Length)]] += random.Next(50, 700);
                        }

                        var delta = hall.Delta(GameId, ++_version, id => scores[id])!;
                        bytes = _protocol.GetMessageBytes(new InvocationMessage(nameof(IPresenterClient.Hall), [delta])).ToArray();
                    }

                    LastDeltaBytes = bytes.Length;
                    route.Send(bytes);
                }
            }
            catch (OperationCanceledException)
            {
                // The measurement is over.
            }
        }

        public IReadOnlyList<Type> GetParameterTypes(string methodName) => methodName switch
        {
            PresenterHubMethods.Watch => [typeof(string), typeof(bool)],
            _ => [typeof(string)],
        };

        public Type GetReturnType(string invocationId) => throw new UnreachableException("The page sends no completions.");

        public Type GetStreamItemType(string streamId) => throw new UnreachableException("The page sends no streams.");

        private object? Answer(InvocationMessage invocation)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            lock (_gate)
            {
                return invocation.Target switch
                {
                    PresenterHubMethods.Watch => new ScoreboardFrame
                    {
                        GameId = GameId, Phase = GamePhase.Running, Version = ++_version, PlayerCount = Players,
                        RoundStartsAt = now - 5_000, RoundEndsAt = now + 300_000, ServerTime = now,
                    },
                    PresenterHubMethods.WatchHall => hall.Full(GameId, ++_version, id => scores[id]),
                    _ => null,
                };
            }
        }
    }

    private sealed class Measured
    {
        public double Fps { get; set; }

        public int Draws { get; set; }

        public int HallFrames { get; set; }

        public int Dots { get; set; }

        public double DrawMs { get; set; }

        public double Seconds { get; set; }

        public int Resyncs { get; set; }
    }
}
