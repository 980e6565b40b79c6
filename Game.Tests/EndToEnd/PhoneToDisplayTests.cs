using System.Diagnostics;
using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Tests.Infrastructure;
using Game.Tests.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Game.Tests.EndToEnd;

/// <summary>
/// The whole path on the real stack: phones over SignalR (MessagePack) → durable stream → function grain →
/// store → frames to a presenter over SignalR.
/// </summary>
public sealed class PhoneToDisplayTests : IAsyncLifetime
{
    private readonly ServerProcess _server = new(new Dictionary<string, string> { ["Game:CountdownSeconds"] = "0" });

    public Task InitializeAsync() => _server.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task Phones_StreamSamplesDuringRound_PresenterFramesAndStoreHoldExactScores()
    {
        using var client = new GameClient(_server);
        var game = await client.CreateGameAsync(roundSeconds: 60);
        var players = new[]
        {
            await client.JoinAsync(game.GameId, "Ada", "red"),
            await client.JoinAsync(game.GameId, "Grace", "blue"),
            await client.JoinAsync(game.GameId, "Linus", "red"),
        };

        var presenter = await client.ConnectPresenterAsync();
        var frames = new List<ScoreboardFrame>();
        var expected = new Dictionary<string, long>();
        var allScored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        presenter.On<ScoreboardFrame>(nameof(IPresenterClient.Frame), frame =>
        {
            lock (frames)
            {
                frames.Add(frame);
                if (expected.Count == players.Length && expected.All(e => frame.Leaders.Any(l => l.PlayerId == e.Key && l.Score == e.Value)))
                {
                    allScored.TrySetResult();
                }
            }
        });
        var watchedAt = Stopwatch.GetTimestamp();
        var snapshot = await presenter.InvokeAsync<ScoreboardFrame>(PresenterHubMethods.Watch, game.GameId, false);
        Assert.Equal(GamePhase.Lobby, snapshot.Phase);
        Assert.Equal(3, snapshot.PlayerCount);

        await client.StartAsync(game.GameId);
        var expectedScores = new Dictionary<string, long>();
        for (var p = 0; p < players.Length; p++)
        {
            await using var phone = await client.ConnectPhoneAsync(players[p]);
            var ledger = PlayerLedger.Empty;
            for (var seq = 1; seq <= 5; seq++)
            {
                var batch = Batch(players[p], seq, strength: p + 1);
                var ack = await phone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch);
                Assert.True(ack.Accepted, ack.Error);
                Assert.Equal(seq, ack.Seq);
                ledger = ScoreLedger.Apply(ledger, batch, counts: true).Ledger;
            }

            // A resent batch (same seq) must not count again.
            var resent = await phone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, Batch(players[p], 5, strength: p + 1));
            Assert.True(resent.Accepted);
            expectedScores[players[p].PlayerId] = ledger.Score;
        }

        lock (frames)
        {
            foreach (var (player, score) in expectedScores)
            {
                expected[player] = score;
            }
        }

        Assert.All(expectedScores.Values, score => Assert.True(score > 0));
        await allScored.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var scoreboard = await client.ScoreboardAsync(game.GameId);
        Assert.Equal("running", scoreboard.State);
        Assert.Equal(expectedScores.OrderBy(e => e.Key), scoreboard.Players.ToDictionary(p => p.PlayerId, p => p.Score).OrderBy(e => e.Key));
        Assert.Equal(expectedScores[players[0].PlayerId] + expectedScores[players[2].PlayerId], scoreboard.Teams.Single(t => t.Team == "red").Score);

        // The store itself holds the scores: read the embedded store's file directly.
        await using var store = await SqliteTestStore.OpenAsync(Path.Combine(_server.DataDirectory, "game.db"), CancellationToken.None);
        var stored = await store.Games.GetPlayersAsync(game.GameId, CancellationToken.None);
        Assert.Equal(expectedScores.OrderBy(e => e.Key), stored.ToDictionary(p => p.Profile.PlayerId, p => p.Ledger.Score).OrderBy(e => e.Key));
        Assert.All(stored, p => Assert.Equal(5, p.Ledger.LastSeq));

        // Frames are coalesced at a bounded rate: 20 per second, two frames never closer than the interval less the
        // timer's 5 ms slack (45 ms). How many batches a frame carries depends on how fast this machine runs the test,
        // so that is not asserted.
        lock (frames)
        {
            var watched = Stopwatch.GetElapsedTime(watchedAt);
            Assert.True(frames.Count <= watched.TotalMilliseconds / 45 + 1, $"{frames.Count} frames in {watched.TotalMilliseconds:0} ms");
            Assert.Equal(frames.Select(f => f.Version).Order(), frames.Select(f => f.Version));
        }

        // The function ran under Lambda's metric names, exported for Prometheus.
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"{_server.BaseUrl}/metrics");
        var invocations = metrics.Split('\n').Where(l => l.StartsWith("Invocations_total{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(invocations >= 1, metrics);
        Assert.Contains("IteratorAge_milliseconds_bucket{", metrics);

        await presenter.DisposeAsync();
    }

    [Fact]
    public async Task Phone_SendsForAnotherPlayer_IsRefusedAndNothingCounts()
    {
        using var client = new GameClient(_server);
        var game = await client.CreateGameAsync();
        var ada = await client.JoinAsync(game.GameId, "Ada");
        var grace = await client.JoinAsync(game.GameId, "Grace");
        await client.StartAsync(game.GameId);
        await using var phone = await client.ConnectPhoneAsync(ada);

        var error = await Assert.ThrowsAsync<HubException>(() =>
            phone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, Batch(grace, 1, strength: 3)));
        Assert.Contains("its own player", error.Message);

        var ack = await phone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, Batch(ada, 1, strength: 0));
        Assert.True(ack.Accepted);
        await client.StopAsync(game.GameId);
        var scoreboard = await client.ScoreboardAsync(game.GameId);
        Assert.Equal(0, scoreboard.Players.Single(p => p.PlayerId == grace.PlayerId).Score);
    }

    [Fact]
    public async Task Phone_SendsANilSample_IsRefusedNotAcknowledged()
    {
        using var client = new GameClient(_server);
        var game = await client.CreateGameAsync();
        var ada = await client.JoinAsync(game.GameId, "Ada");
        await client.StartAsync(game.GameId);
        await using var phone = await client.ConnectPhoneAsync(ada);
        var batch = Batch(ada, 1, strength: 3);

        // Acknowledged, a batch with a nil among its samples would be skipped whole by the score function.
        var error = await Assert.ThrowsAsync<HubException>(() =>
            phone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch with { Samples = [.. batch.Samples, null!] }));
        Assert.Contains("each a map of numbers", error.Message);

        var ack = await phone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch);
        Assert.True(ack.Accepted);
    }

    [Fact]
    public async Task Phones_ScoreDuringRound_EachGetsItsOwnScoreRankAndTeamTotal()
    {
        using var client = new GameClient(_server);
        var game = await client.CreateGameAsync(roundSeconds: 60);
        var ada = await client.JoinAsync(game.GameId, "Ada", "red");
        var grace = await client.JoinAsync(game.GameId, "Grace", "red");
        var linus = await client.JoinAsync(game.GameId, "Linus", "blue");
        await client.StartAsync(game.GameId);

        var latest = new Dictionary<string, PhoneStanding>();
        var phones = new List<HubConnection>();
        foreach (var player in new[] { ada, grace, linus })
        {
            var phone = await client.ConnectPhoneAsync(player);
            phone.On<PhoneStanding>(nameof(IPhoneClient.Standing), standing =>
            {
                lock (latest)
                {
                    latest[standing.PlayerId] = standing;
                }
            });
            phones.Add(phone);
        }

        // Ada scores most, Grace and Linus tie: they share rank 2.
        Assert.True((await phones[0].InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, Batch(ada, 1, strength: 3))).Accepted);
        Assert.True((await phones[1].InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, Batch(grace, 1, strength: 1))).Accepted);
        Assert.True((await phones[2].InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, Batch(linus, 1, strength: 1))).Accepted);
        long Score(int strength) => ScoreLedger.Apply(PlayerLedger.Empty, Batch(ada, 1, strength), counts: true).Ledger.Score;

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            lock (latest)
            {
                if (latest.Count == 3 && latest.Values.All(s => s.AppliedSeq == 1))
                {
                    break;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "phones did not get their standings");
            await Task.Delay(50);
        }

        lock (latest)
        {
            Assert.Equal((Score(3), 1, Score(3) + Score(1), GamePhase.Running), (latest[ada.PlayerId].Score, latest[ada.PlayerId].Rank, latest[ada.PlayerId].TeamScore, latest[ada.PlayerId].Phase));
            Assert.Equal((Score(1), 2, Score(3) + Score(1)), (latest[grace.PlayerId].Score, latest[grace.PlayerId].Rank, latest[grace.PlayerId].TeamScore));
            Assert.Equal((Score(1), 2, Score(1)), (latest[linus.PlayerId].Score, latest[linus.PlayerId].Rank, latest[linus.PlayerId].TeamScore));
            Assert.All(latest.Values, s => Assert.Equal(3, s.Players));
        }

        foreach (var phone in phones)
        {
            await phone.DisposeAsync();
        }
    }

    [Fact]
    public async Task Phone_KeepsSending_ItsStandingRidesOnTheAcks()
    {
        using var client = new GameClient(_server);
        var game = await client.CreateGameAsync(roundSeconds: 60);
        var ada = await client.JoinAsync(game.GameId, "Ada", "red");
        await client.StartAsync(game.GameId);
        await using var phone = await client.ConnectPhoneAsync(ada);

        // A phone sending every 100 ms, as the phone page does: its first batch's score comes back inside a later ack.
        PhoneStanding? carried = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        for (var seq = 1; carried is not { AppliedSeq: >= 1 }; seq++)
        {
            Assert.True(DateTime.UtcNow < deadline, "no ack carried the phone's standing");
            var ack = await phone.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, Batch(ada, seq, strength: 2));
            Assert.True(ack.Accepted);
            carried = ack.Standing ?? carried;
            await Task.Delay(100);
        }

        var applied = carried.AppliedSeq;
        var expected = Enumerable.Range(1, (int)applied)
            .Aggregate(PlayerLedger.Empty, (ledger, seq) => ScoreLedger.Apply(ledger, Batch(ada, seq, strength: 2), counts: true).Ledger);
        Assert.Equal((expected.Score, 1, GamePhase.Running, ada.PlayerId), (carried.Score, carried.Rank, carried.Phase, carried.PlayerId));
    }

    /// <summary>Ten samples at 50 Hz; strength k adds k·5 m/s² above gravity on x, so each sample scores exactly ⌊10·5k⌋ points.</summary>
    private static MotionBatch Batch(GameClient.JoinedPlayer player, int seq, int strength) => new()
    {
        GameId = player.GameId,
        PlayerId = player.PlayerId,
        Seq = seq,
        Samples = Enumerable.Range(0, 10)
            .Select(i => new MotionSample { T = seq * 1000 + i * 20, X = MotionScoring.Gravity + 5 * strength, Y = 0, Z = 0 })
            .ToList(),
    };
}
