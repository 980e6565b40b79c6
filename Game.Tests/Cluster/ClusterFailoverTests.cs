using System.Diagnostics;
using Game.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Game.Tests.Cluster;

/// <summary>Runs the failover tests alone: their stall and failover times are measured, and a parallel test's load would be in them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterFailoverCollection
{
    public const string Name = "Cluster failover";
}

/// <summary>
/// Three real nodes on Redis, kinesalite and dynalite behind HAProxy (<see cref="ThreeNodeCluster"/>), played
/// through the one URL, while a node is SIGKILLed, stopped with SIGTERM, or Redis restarts mid-round. Players join
/// on one node directly; phones (WebSockets without negotiation, resending their unacknowledged batch) and the
/// displays connect through the balancer, which spreads them over the three nodes. Every test ends with exact
/// scores and displays that show them; the measured times are written to the test output (docs/scale-out.md
/// quotes them).
/// </summary>
[Collection(ClusterFailoverCollection.Name)]
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    private const int Players = 6;
    private const int Displays = 3;
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    /// <summary>
    /// How much longer than before the stop a phone on a node that stays up may wait for an ack while another node
    /// stops gracefully: waiting on a grain's hand-over or on a dead node's detection takes seconds.
    /// </summary>
    private static readonly TimeSpan GracefulStallLimit = TimeSpan.FromSeconds(1);

    /// <summary>The bound however slow the machine was before the stop: Orleans' own dead-node detection is slower still.</summary>
    private static readonly TimeSpan GracefulStallCap = TimeSpan.FromSeconds(2.5);

    [Fact]
    public async Task NodeKilledMidRound_PhonesReconnectAndResend_DisplaysKeepUpdating_ScoresExact()
    {
        await using var cluster = await ThreeNodeCluster.StartAsync();
        await using var round = await StartRoundAsync(cluster);
        var (gameId, displays, phones) = (round.GameId, round.Displays, round.Phones);

        var killedAt = Stopwatch.GetTimestamp();
        var declaredDead = WhenActiveMembersAsync(cluster, 2, killedAt);
        await cluster.Nodes[1].KillAsync();
        // Acks from before this moment may still arrive (sent by the node before it died, or buffered in the
        // balancer): only an ack after it proves that a phone of the dead node found another one.
        var deadAt = Stopwatch.GetTimestamp();

        // Every phone acknowledged again: the dead node's phones after reconnecting through the balancer.
        var acksBack = await WhenEveryPhoneAckedSinceAsync(phones, deadAt);
        var reconnected = await WhenSomePhonesReconnectedSinceAsync(phones, killedAt);

        // The dead node's shard processed again: the scores include every batch acknowledged by then.
        var shardsBack = await WhenScoresReachAsync(cluster, gameId, phones.ExpectedLedgers().ToDictionary(e => e.Key, e => e.Value.Score), killedAt);

        await phones.WaitForAcknowledgedAsync(phones.AcknowledgedCount + 60, Patience);
        await phones.StopAsync(Patience);
        await AssertExactAsync(cluster, gameId, phones, displays);
        Assert.True(displays.Reconnects >= 1, "no display was on the killed node, so none had to reconnect");
        var dead = await declaredDead;

        output.WriteLine(Invariant(
            $"SIGKILL: {reconnected.Count} of {Players} phones reconnected; every phone acknowledged again after {Ms(acksBack)} ms ",
            $"(longest wait of a reconnected phone {reconnected.Max(p => p.Value.LongestGap.TotalMilliseconds):0} ms); scores include every batch acknowledged by then ",
            $"after {Ms(shardsBack)} ms; Orleans declared the node dead after {Ms(dead)} ms; {displays.Reconnects} display(s) reconnected."));
    }

    [Fact]
    public async Task NodeStoppedGracefullyMidRound_OtherPhonesWaitAtMostASecondLongerThanBefore_ScoresExact()
    {
        await using var cluster = await ThreeNodeCluster.StartAsync();
        await using var round = await StartRoundAsync(cluster);
        var (gameId, displays, phones) = (round.GameId, round.Displays, round.Phones);

        // The phones' longest wait for an ack over a stretch before the stop: what a loaded machine adds without one.
        var calmFrom = Stopwatch.GetTimestamp();
        await phones.WaitForAcknowledgedAsync(phones.AcknowledgedCount + 120, Patience);
        var stoppedAt = Stopwatch.GetTimestamp();
        var before = phones.GapsSince(calmFrom, stoppedAt).Values.Max(g => g.LongestGap);
        var limit = before + GracefulStallLimit < GracefulStallCap ? before + GracefulStallLimit : GracefulStallCap;
        cluster.Nodes[1].Terminate();
        var exitCode = await cluster.Nodes[1].WaitForExitAsync(Patience);
        var exited = Stopwatch.GetElapsedTime(stoppedAt);
        await WhenEveryPhoneAckedSinceAsync(phones, Stopwatch.GetTimestamp());
        await phones.WaitForAcknowledgedAsync(phones.AcknowledgedCount + 60, Patience);
        await phones.StopAsync(Patience);

        var gaps = phones.GapsSince(stoppedAt);
        var stayed = gaps.Where(p => p.Value.Reconnects == 0).ToList();
        var moved = gaps.Where(p => p.Value.Reconnects > 0).ToList();
        output.WriteLine(Invariant(
            $"SIGTERM: the node exited with {exitCode} after {exited.TotalMilliseconds:0} ms; longest wait for an ack of the {stayed.Count} phones on other nodes ",
            $"{stayed.Select(p => p.Value.LongestGap.TotalMilliseconds).DefaultIfEmpty().Max():0} ms; of the {moved.Count} phones that moved ",
            $"{moved.Select(p => p.Value.LongestGap.TotalMilliseconds).DefaultIfEmpty().Max():0} ms; before the stop the longest wait was ",
            $"{before.TotalMilliseconds:0} ms, so {limit.TotalMilliseconds:0} ms were allowed."));
        Assert.Equal(0, exitCode);
        Assert.NotEmpty(moved);
        Assert.NotEmpty(stayed);
        Assert.All(stayed, p => Assert.True(p.Value.LongestGap < limit, $"{p.Key} waited {p.Value.LongestGap.TotalMilliseconds:0} ms for an ack (before the stop: {before.TotalMilliseconds:0} ms)"));
        await AssertExactAsync(cluster, gameId, phones, displays);
    }

    [Fact]
    public async Task RedisRestartedMidRound_ClusterRecovers_ScoresExact()
    {
        await using var cluster = await ThreeNodeCluster.StartAsync();
        await using var round = await StartRoundAsync(cluster);
        var (gameId, displays, phones) = (round.GameId, round.Displays, round.Phones);

        var stoppedAt = Stopwatch.GetTimestamp();
        await cluster.Redis.StopAsync();
        var acknowledgedWithoutRedis = phones.AcknowledgedCount;
        // The outage itself: two seconds without Redis, then the same Redis (same port, same append-only file) again.
        await Task.Delay(TimeSpan.FromSeconds(2));
        acknowledgedWithoutRedis = phones.AcknowledgedCount - acknowledgedWithoutRedis;
        await cluster.Redis.StartAsync();
        var restartedAt = Stopwatch.GetTimestamp();

        // The backplane is back when every display hears a frame again after the restart.
        var framesBack = await WhenEveryDisplayHearsSinceAsync(displays, restartedAt);
        await phones.WaitForAcknowledgedAsync(phones.AcknowledgedCount + 60, Patience);
        await phones.StopAsync(Patience);
        await AssertExactAsync(cluster, gameId, phones, displays);
        Assert.Equal(3, await cluster.ActiveMembersAsync());

        var gaps = phones.GapsSince(stoppedAt);
        output.WriteLine(Invariant(
            $"Redis down 2 s: {acknowledgedWithoutRedis} batches acknowledged meanwhile; longest wait for an ack {gaps.Max(p => p.Value.LongestGap.TotalMilliseconds):0} ms ",
            $"({gaps.Sum(p => p.Value.Reconnects)} phone reconnects); every display heard a frame {Ms(framesBack)} ms after Redis was back; ",
            $"{displays.Reconnects} display reconnects; membership rows kept (3 active)."));
    }

    private static string Invariant(params FormattableString[] parts) => string.Concat(parts.Select(FormattableString.Invariant));

    private static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// What every test here starts from: players joined on the first node, a display on each node and the phones
    /// sending through the one URL, 60 batches acknowledged.
    /// </summary>
    private static async Task<RoundUnderWay> StartRoundAsync(ThreeNodeCluster cluster)
    {
        var (gameId, players) = await cluster.StartGameAsync(cluster.Nodes[0], Players);
        var round = new RoundUnderWay(gameId, await DisplaysAsync(cluster, gameId), new ResendingPhones(players, () => cluster.Url, BatchInterval, webSocketsOnly: true));
        try
        {
            round.Phones.Start();
            await round.Phones.WaitForAcknowledgedAsync(60, Patience);
            return round;
        }
        catch
        {
            await round.DisposeAsync();
            throw;
        }
    }

    private sealed record RoundUnderWay(string GameId, DisplaySet Displays, ResendingPhones Phones) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Phones.DisposeAsync();
            await Displays.DisposeAsync();
        }
    }

    /// <summary>
    /// Displays connected first, one after the other: HAProxy's leastconn puts each on the node with the fewest
    /// connections, so the three land on three nodes and one of them watches on the node the test stops.
    /// </summary>
    private static async Task<DisplaySet> DisplaysAsync(ThreeNodeCluster cluster, string gameId)
    {
        var set = new DisplaySet();
        for (var i = 0; i < Displays; i++)
        {
            var display = new ReconnectingDisplay(cluster.Url, gameId);
            set.Add(display);
            await display.StartAsync(Patience);
        }

        return set;
    }

    private async Task AssertExactAsync(ThreeNodeCluster cluster, string gameId, ResendingPhones phones, DisplaySet displays)
    {
        var expected = phones.ExpectedLedgers().ToDictionary(e => e.Key, e => e.Value.Score);
        Assert.All(expected.Values, score => Assert.True(score > 0));
        var deadline = DateTime.UtcNow + Patience;
        Dictionary<string, long> seen;
        while (!Same(seen = await cluster.ScoresAsync(gameId), expected) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(Same(seen, expected), $"scores {Describe(seen)}, expected {Describe(expected)}\n{cluster.Output}");
        // A record counted twice would show a little later: read once more after the displays have caught up.
        var leader = await cluster.LeaderAsync(gameId);
        foreach (var display in displays)
        {
            var frame = await display.WaitForFrameAsync(f => expected.All(e => f.Leaders.Any(l => l.PlayerId == e.Key && l.Score == e.Value)), Patience);
            Assert.Equal(leader, frame.Leaders[0].PlayerId);
        }

        Assert.Equal(expected.OrderBy(e => e.Key), (await cluster.ScoresAsync(gameId)).OrderBy(e => e.Key));
        output.WriteLine($"{phones.AcknowledgedCount} batches acknowledged, {phones.Reconnects} phone reconnects; scores exact: {Describe(expected)}");
    }

    private static async Task<TimeSpan> WhenEveryPhoneAckedSinceAsync(ResendingPhones phones, long since)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var first = phones.FirstAckSince(since);
            if (first.Values.All(t => t is not null))
            {
                return Stopwatch.GetElapsedTime(since, first.Values.Max(t => t!.Value));
            }

            Assert.True(DateTime.UtcNow < deadline, $"phones without an ack since: {string.Join(", ", first.Where(f => f.Value is null).Select(f => f.Key))}");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// The phones that reconnected since <paramref name="since"/>, once there is one: the killed node had phones
    /// (the balancer spreads six over three nodes), and a phone notices its broken connection at its next send.
    /// </summary>
    private static async Task<List<KeyValuePair<string, ResendingPhones.PhoneGaps>>> WhenSomePhonesReconnectedSinceAsync(ResendingPhones phones, long since)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var gaps = phones.GapsSince(since);
            var reconnected = gaps.Where(p => p.Value.Reconnects > 0).ToList();
            if (reconnected.Count > 0)
            {
                return reconnected;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no phone reconnected after the kill: {string.Join(", ", gaps.Select(g => $"{g.Key} longest gap {g.Value.LongestGap.TotalMilliseconds:0} ms"))}");
            await Task.Delay(20);
        }
    }

    private static async Task<TimeSpan> WhenScoresReachAsync(ThreeNodeCluster cluster, string gameId, IReadOnlyDictionary<string, long> atLeast, long since)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                var scores = await cluster.ScoresAsync(gameId);
                if (atLeast.All(e => scores.TryGetValue(e.Key, out var score) && score >= e.Value))
                {
                    return Stopwatch.GetElapsedTime(since);
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // The balancer may still try the dead node once; the next read goes elsewhere.
            }

            Assert.True(DateTime.UtcNow < deadline, "the scores never caught up with the acknowledged batches");
            await Task.Delay(50);
        }
    }

    private static async Task<TimeSpan> WhenActiveMembersAsync(ThreeNodeCluster cluster, int count, long since)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (await cluster.ActiveMembersAsync() != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"membership never showed {count} active nodes");
            await Task.Delay(100);
        }

        return Stopwatch.GetElapsedTime(since);
    }

    private static async Task<TimeSpan> WhenEveryDisplayHearsSinceAsync(DisplaySet displays, long since)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!displays.All(d => d.FrameTimesSince(since).Count > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "a display heard no frame after Redis came back");
            await Task.Delay(20);
        }

        return Stopwatch.GetElapsedTime(since, displays.Max(d => d.FrameTimesSince(since)[0]));
    }

    private static bool Same(IReadOnlyDictionary<string, long> a, IReadOnlyDictionary<string, long> b) =>
        a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out var v) && v == e.Value);

    private static string Describe(IReadOnlyDictionary<string, long> scores) => string.Join(", ", scores.OrderBy(s => s.Key).Select(s => $"{s.Key}={s.Value}"));

    /// <summary>The test's displays, disposed together.</summary>
    private sealed class DisplaySet : List<ReconnectingDisplay>, IAsyncDisposable
    {
        public int Reconnects => this.Sum(d => d.Reconnects);

        public async ValueTask DisposeAsync()
        {
            foreach (var display in this)
            {
                await display.DisposeAsync();
            }
        }
    }
}
