using System.Diagnostics;
using System.Globalization;
using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace Game.Tests.EndToEnd;

/// <summary>
/// Issue 13 point 1 on the real stack: a script that makes up device time, beside an honest phone, over SignalR →
/// stream → score function → store. The server's clock caps the script; the honest phone loses nothing.
/// </summary>
public sealed class FakeDeviceTimeTests : IAsyncLifetime
{
    // The round outlasts the sending by far: 16 batches of 200 samples in flight can take seconds to drain on a busy machine.
    private const int RoundSeconds = 15;
    private static readonly TimeSpan Sending = TimeSpan.FromSeconds(4.5);

    private readonly ServerProcess _server = new(new Dictionary<string, string> { ["Game:CountdownSeconds"] = "0" });

    public Task InitializeAsync() => _server.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task Script_FakeDeviceTimeWith16BatchesInFlight_ScoresAtMostTheRoundsMaximumWhileAnHonestPhoneLosesNothing()
    {
        using var client = new GameClient(_server);
        var game = await client.CreateGameAsync(RoundSeconds);
        var script = await client.JoinAsync(game.GameId, "Script", "red");
        var honest = await client.JoinAsync(game.GameId, "Honest", "blue");
        await using var scriptPhone = await client.ConnectPhoneAsync(script);
        await using var honestPhone = await client.ConnectPhoneAsync(honest);
        await client.StartAsync(game.GameId);
        var clock = Stopwatch.StartNew();

        // The script: 200 samples 10 ms apart at 49.81 m/s² (400 points each) per batch, 16 batches always in flight.
        long scriptSeq = 0;
        var scriptLoops = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < Sending)
            {
                var seq = Interlocked.Increment(ref scriptSeq);
                var batch = new MotionBatch
                {
                    GameId = game.GameId,
                    PlayerId = script.PlayerId,
                    Seq = seq,
                    Samples = [.. Enumerable.Range(0, GameLimits.MaxSamplesPerBatch).Select(k => new MotionSample { T = seq * 2000 + k * 10, X = 49.81 })],
                };
                await scriptPhone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch);
            }
        })).ToList();

        // The honest phone: a 100 Hz sensor on its own clock, everything taken so far sent every 100 ms, one batch at a time.
        var mirror = PlayerLedger.Empty;
        long honestSeq = 0, taken = 0;
        while (clock.Elapsed < Sending)
        {
            var now = (long)clock.Elapsed.TotalMilliseconds / 10;
            if (now > taken)
            {
                var batch = new MotionBatch
                {
                    GameId = game.GameId,
                    PlayerId = honest.PlayerId,
                    Seq = ++honestSeq,
                    Samples = [.. Enumerable.Range(0, (int)Math.Min(now - taken, GameLimits.MaxSamplesPerBatch)).Select(k => new MotionSample { T = 5_000_000 + (taken + k) * 10.0, X = 19.81 })],
                };
                taken += batch.Samples.Count;
                var ack = await honestPhone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch);
                Assert.True(ack.Accepted, ack.Error);
                mirror = ScoreLedger.Apply(mirror, batch, counts: true).Ledger;
            }

            await Task.Delay(100);
        }

        await Task.WhenAll(scriptLoops);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(RoundSeconds), "the phones sent past the round's end: slow machine, rerun");

        // Scoring runs after the ack: wait until the honest phone's score is in, and the drops are counted.
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var board = await client.ScoreboardAsync(game.GameId);
            var dropped = AheadOfServerClock(await http.GetStringAsync($"{_server.BaseUrl}/metrics"));
            if ((board.Players.Single(p => p.PlayerId == honest.PlayerId).Score == mirror.Score && dropped > 0) || DateTime.UtcNow > deadline)
            {
                var scriptScore = board.Players.Single(p => p.PlayerId == script.PlayerId).Score;
                // A real phone earns at most 100 samples a second of the round so far, plus the server clock's one second
                // of tolerance and one for the round's start before this test's clock.
                var roundSoFar = Math.Min(clock.Elapsed.TotalSeconds, RoundSeconds) + 2;
                Assert.Equal(mirror.Score, board.Players.Single(p => p.PlayerId == honest.PlayerId).Score);
                Assert.InRange(scriptScore, 100L * 400, (long)(100 * roundSoFar * 400));
                Assert.True(dropped > 0, "no sample was dropped as ahead_of_server_clock");
                break;
            }

            await Task.Delay(100);
        }
    }

    private static double AheadOfServerClock(string metrics) => metrics.Split('\n')
        .Where(l => l.StartsWith("DroppedSamples_total{", StringComparison.Ordinal) && l.Contains("rule=\"ahead_of_server_clock\"", StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
