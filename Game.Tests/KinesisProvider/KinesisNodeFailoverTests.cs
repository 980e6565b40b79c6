using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json;
using Game.Functions.Scoring;
using Game.Server.EventSources;
using Game.Server.EventSources.Leases;
using Game.Server.Storage;
using Game.Tests.Infrastructure;
using Game.Tests.Ingest.KinesisStream;
using Game.Tests.Storage;
using Xunit.Abstractions;

namespace Game.Tests.KinesisProvider;

/// <summary>
/// Two real server processes on one kinesalite stream and one dynalite lease table (each with its own Orleans silo):
/// they start at once against a stream that does not exist yet, split the shards' leases between them, and phones
/// write through both. Then one of them goes mid-round, killed with SIGKILL or stopped with SIGTERM: the survivor
/// reads on from its checkpoints, and every acknowledged batch is counted exactly once.
/// </summary>
/// <remarks>
/// <para>The bounds are derived from the lease settings, not guessed: the SIGKILL test runs with a failover time of
/// 3 s (default 10 s) so that it takes seconds, the SIGTERM test with the defaults, as a deployment runs.</para>
/// <para><b>SIGKILL.</b> The node is killed right after the test saw all its leases renewed, so the test knows how
/// long before the kill the last renewal can have been (at most the span of two of its reads). The survivor's lease
/// rounds start every renew interval (failover / 3), so it first sees that last renewal less than one round after it
/// was written, and judges the lease expired at the first round that has seen it unchanged for the failover time,
/// less than one more round later. So the take comes between failover − (kill − last renewal) and failover + 2
/// rounds after the kill, where a round is the renew interval, or longer when a loaded machine makes the round's own calls take
/// longer: the test measures the survivor's rounds (its own leases' renewals) and its own reads of the table, and
/// allows for both. Then the first batch: the new holder starts a reader at once (GetShardIterator after the
/// checkpoint, GetRecords, one invocation, one checkpoint write); it must have processed a batch within one
/// failover time and one round of the take.</para>
/// <para><b>SIGTERM.</b> The stopping node's readers land their checkpoints and it releases its leases; the
/// survivor takes a released lease in its next round (a lease nobody holds is free at once), so it holds every
/// handed-over shard before the earliest moment an expired lease could be taken (failover − renew interval after the
/// signal, as the victim renewed until it released), and the counters show that no expiry was involved. Its first batch
/// then has the bound the SIGKILL test gives it; the handover, signal to first batch, is measured and printed.</para>
/// </remarks>
public sealed class KinesisNodeFailoverTests(KinesaliteFixture kinesalite, ITestOutputHelper output) : IClassFixture<KinesaliteFixture>
{
    private const int ShardCount = 4;
    private const string Survivor = "node-a";
    private const string Victim = "node-b";
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>The failover time of the SIGKILL test: 3 s rather than the default 10 s, so the test takes seconds.</summary>
    private static readonly LeaseOptions Fast = new() { FailoverSeconds = 3 };

    /// <summary>The default lease settings (failover 10 s, a round every 3.3 s): the handover measured as it will be run.</summary>
    private static readonly LeaseOptions Default = new();

    [Fact]
    public async Task TwoNodes_OneKilledMidRound_TheOtherTakesItsShardsWithinTheFailoverTimeAndScoresStayExact()
    {
        var settings = Fast;
        await using var nodes = await StartTwoNodesAsync(NewStream(), DynamoDbTestStore.UniqueOptions(), settings);

        // Killed right after its leases were seen renewed: the test knows how long before the kill their last renewal
        // can have been, where a loaded machine could otherwise have stretched the victim's last round.
        var renewal = await nodes.Leases.WaitForRenewalAsync(Victim, Patience);
        var clock = Stopwatch.StartNew();
        var renewedBeforeKill = renewal.Elapsed;
        var survivorLogBefore = nodes.Survivor.Output.Length;
        await nodes.Victim.KillAsync();
        nodes.VictimGone();
        var orphaned = (await nodes.Leases.ReadAsync()).Where(l => l.Owner == Victim).ToList();
        Assert.Equal(ShardCount / 2, orphaned.Count);
        var times = await nodes.Leases.TimeTakeoverAsync(orphaned, Survivor, clock, Patience);

        var final = await nodes.FinishAsync(Patience);
        Assert.All(final, l => Assert.Equal(Survivor, l.Owner));

        var round = times.LongestRound > settings.RenewInterval ? times.LongestRound : settings.RenewInterval;
        // No renewal of the victim's came before the read that preceded the one that saw them renewed.
        var earliest = settings.Failover - renewedBeforeKill;
        var latest = settings.Failover + 2 * round + times.LongestRead + LeaseTable.ReadInterval;
        // The new holder's reader starts at the take; on a loaded machine its calls stretch as the survivor's rounds do.
        // The test sees a checkpoint only when it next reads the table, so its own polling is added to the bound.
        var firstBatch = settings.Failover + round + times.LongestRead + LeaseTable.ReadInterval;
        var takeover = times.Shards;
        output.WriteLine($"takeover after SIGKILL (kill → survivor's first checkpoint per orphaned shard), failover {settings.Failover.TotalSeconds} s, renew every {settings.RenewInterval.TotalMilliseconds:F0} ms: " +
            string.Join(", ", takeover.OrderBy(t => t.Key).Select(t => $"{t.Key} taken after {t.Value.Taken.TotalMilliseconds:F0} ms, first batch after {t.Value.Processed.TotalMilliseconds:F0} ms")) +
            $"; survivor's longest round {times.LongestRound.TotalMilliseconds:F0} ms, longest table read {times.LongestRead.TotalMilliseconds:F0} ms" +
            $"; leases last renewed at most {renewedBeforeKill.TotalMilliseconds:F0} ms before the kill" +
            $"; allowed: taken {earliest.TotalMilliseconds:F0}–{latest.TotalMilliseconds:F0} ms, first batch within {firstBatch.TotalMilliseconds:F0} ms of the take");
        output.WriteLine($"{nodes.AcknowledgedCount} batches acknowledged, {nodes.OnVictim.Reconnects} reconnects of the victim's phones; lease table: {LeaseTable.Describe(final)}");
        output.WriteLine("the survivor's log since the kill:");
        output.WriteLine(nodes.Survivor.Output[survivorLogBefore..]);
        Assert.All(takeover.Values, t => Assert.InRange(t.Taken, earliest, latest));
        Assert.All(takeover.Values, t => Assert.InRange(t.Processed - t.Taken, TimeSpan.Zero, firstBatch));
    }

    [Fact]
    public async Task TwoNodes_OneStoppedWithSigtermMidRound_TheOtherTakesItsShardsAtOnceFromTheReleasedCheckpointsAndScoresStayExact()
    {
        // The survivor reads kinesalite through the test's proxy, which shows where its readers open each shard and
        // reads the shard's lease row as they do: they hold the lease then and have checkpointed nothing yet.
        var stream = NewStream();
        var storeOptions = DynamoDbTestStore.UniqueOptions();
        await using var store = DynamoDbTestStore.Open(storeOptions);
        var leases = new LeaseTable(store.Leases, ShardReader.LeaseKey(ScoreFunction.Name, stream, ""));
        var atOpen = new LeaseAtOpen(leases);
        var calls = new ShardCallLog();
        await using var proxy = new KinesisProxy(kinesalite.Url, atOpen, calls);
        await proxy.StartAsync();
        var settings = Default;
        await using var nodes = await StartTwoNodesAsync(stream, storeOptions, settings, survivorKinesisUrl: proxy.Url);

        var handedOver = (await leases.ReadAsync()).Where(l => l.Owner == Victim).ToDictionary(l => l.ShardId, StringComparer.Ordinal);
        Assert.Equal(ShardCount / 2, handedOver.Count);
        atOpen.Watch(handedOver.Keys);
        var survivorLogBefore = nodes.Survivor.Output.Length;
        var clock = Stopwatch.StartNew();
        var signalledOnCallLog = calls.Now;
        // Its phones move to the survivor as soon as the victim stops taking them, as a load balancer would send them.
        nodes.VictimGone();
        nodes.Victim.Terminate();
        var times = await leases.TimeTakeoverAsync(
            handedOver.Values.ToList(), Survivor, clock, Patience,
            processed: lease => atOpen.RowAtOpen(lease.ShardId) is { } resumed && lease.Checkpoint != resumed.Checkpoint);
        var exitCode = await nodes.Victim.WaitForExitAsync(Patience);
        var exitedAfter = clock.Elapsed;
        Assert.Equal(0, exitCode);

        var final = await nodes.FinishAsync(Patience);
        Assert.All(final, l => Assert.Equal(Survivor, l.Owner));
        var opens = calls.Opens.Where(o => o.At >= signalledOnCallLog).ToList();
        foreach (var (shardId, atSignal) in handedOver)
        {
            // The release (counter + 1, checkpoint kept) and the survivor's take (counter + 1): no expiry, no other holder.
            var resumed = atOpen.RowAtOpen(shardId);
            Assert.NotNull(resumed);
            Assert.Equal(Survivor, resumed.Owner);
            Assert.Equal(atSignal.LeaseCounter + 2, resumed.LeaseCounter);
            // The victim's last checkpoint, landed after the signal: at or after the one it had then, never before.
            Assert.True(Sequence(resumed.Checkpoint) >= Sequence(atSignal.Checkpoint), $"{shardId}: resumed after {resumed.Checkpoint}, which is before {atSignal.Checkpoint}");
            // The survivor opened the shard right after that checkpoint: nothing before it read again, nothing after it skipped.
            var opened = opens.First(o => o.ShardId == shardId);
            Assert.Equal(("AFTER_SEQUENCE_NUMBER", resumed.Checkpoint), (opened.IteratorType, opened.StartingSequenceNumber));
            var now = final.Single(l => l.ShardId == shardId);
            Assert.True(Sequence(now.Checkpoint) > Sequence(resumed.Checkpoint), $"{shardId}: the survivor's checkpoint {now.Checkpoint} is not past {resumed.Checkpoint}");
            Assert.Equal(resumed.LeaseCounter, now.LeaseCounter);
        }

        // Owned before an expired lease could be taken (the victim renewed until it released, so no sooner than
        // failover − renew interval after the signal; the counters above already show no expiry was involved), and
        // processed within the bound the SIGKILL test allows a new holder for its first batch on a loaded machine.
        var round = times.LongestRound > settings.RenewInterval ? times.LongestRound : settings.RenewInterval;
        var owned = settings.Failover - settings.RenewInterval + times.LongestRead + LeaseTable.ReadInterval;
        var firstBatch = settings.Failover + round + times.LongestRead + LeaseTable.ReadInterval;
        output.WriteLine($"handover after SIGTERM (signal → survivor's first checkpoint past the released one), failover {settings.Failover.TotalSeconds} s, renew every {settings.RenewInterval.TotalMilliseconds:F0} ms: " +
            string.Join(", ", times.Shards.OrderBy(t => t.Key).Select(t =>
                $"{t.Key} released after {(t.Value.Released is { } r ? $"{r.TotalMilliseconds:F0} ms" : "(not seen unowned)")}, taken after {t.Value.Taken.TotalMilliseconds:F0} ms, " +
                $"opened after {(opens.First(o => o.ShardId == t.Key).At - signalledOnCallLog).TotalMilliseconds:F0} ms (the test's read of its row held the open back {atOpen.ReadAtOpen(t.Key).TotalMilliseconds:F0} ms), " +
                $"first batch after {t.Value.Processed.TotalMilliseconds:F0} ms")) +
            $"; survivor's longest round {times.LongestRound.TotalMilliseconds:F0} ms, longest table read {times.LongestRead.TotalMilliseconds:F0} ms; " +
            $"the victim exited (code {exitCode}) after {exitedAfter.TotalMilliseconds:F0} ms; allowed: taken within {owned.TotalMilliseconds:F0} ms of the signal, first batch within {firstBatch.TotalMilliseconds:F0} ms of the take");
        output.WriteLine($"{nodes.AcknowledgedCount} batches acknowledged, {nodes.OnVictim.Reconnects} reconnects of the victim's phones; lease table: {LeaseTable.Describe(final)}");
        output.WriteLine("the victim's log, its end:");
        output.WriteLine(string.Join(Environment.NewLine, nodes.Victim.Output.Split(Environment.NewLine).TakeLast(40)));
        output.WriteLine("the survivor's log since the signal:");
        output.WriteLine(nodes.Survivor.Output[survivorLogBefore..]);
        Assert.All(times.Shards.Values, t => Assert.InRange(t.Taken, TimeSpan.Zero, owned));
        Assert.All(times.Shards.Values, t => Assert.InRange(t.Processed - t.Taken, TimeSpan.Zero, firstBatch));
    }

    private static string NewStream() => "failover-" + Guid.NewGuid().ToString("N")[..12];

    private static BigInteger Sequence(string? checkpoint) =>
        BigInteger.Parse(checkpoint ?? throw new InvalidOperationException("No checkpoint."), CultureInfo.InvariantCulture);

    /// <summary>
    /// What both tests start from: the two nodes started at once against a stream nobody created yet (one creates
    /// it, the other finds it, neither fails), the shards split 2/2, a game whose players cover every shard, half
    /// the phones on each node, and every shard processed and checkpointed by its holder.
    /// </summary>
    /// <param name="stream">The Kinesis stream both use; it does not exist yet.</param>
    /// <param name="storeOptions">The DynamoDB tables both use (their lease table among them).</param>
    /// <param name="leases">The lease settings both run with.</param>
    /// <param name="survivorKinesisUrl">Where the survivor reaches Kinesis (a proxy in front of kinesalite); kinesalite itself when null.</param>
    private async Task<TwoNodes> StartTwoNodesAsync(string stream, DynamoDbStorageOptions storeOptions, LeaseOptions leases, string? survivorKinesisUrl = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Game:CountdownSeconds"] = "0",
            // One key on both nodes: a token issued by one is valid on the other.
            ["Game:PlayerTokenKey"] = "failover-test-player-token-key-0123456789",
            ["Ingest:Provider"] = "Kinesis",
            ["Ingest:StreamName"] = stream,
            ["Ingest:ShardCount"] = ShardCount.ToString(CultureInfo.InvariantCulture),
            ["Ingest:Kinesis:ServiceUrl"] = kinesalite.Url,
            ["Ingest:Kinesis:AuthenticationRegion"] = KinesaliteFixture.Region,
            ["Ingest:Kinesis:AccessKeyId"] = KinesaliteFixture.AccessKeyId,
            ["Ingest:Kinesis:SecretAccessKey"] = KinesaliteFixture.SecretAccessKey,
            [$"{LeaseOptions.Section}:FailoverSeconds"] = leases.FailoverSeconds.ToString(CultureInfo.InvariantCulture),
            ["Storage:Provider"] = "DynamoDb",
            ["Storage:DynamoDb:ServiceUrl"] = storeOptions.ServiceUrl!,
            ["Storage:DynamoDb:TablePrefix"] = storeOptions.TablePrefix,
            // The logs the tests print say when each step of a takeover happened.
            ["Logging:Console:TimestampFormat"] = "HH:mm:ss.fff ",
        };
        var survivorSettings = new Dictionary<string, string>(settings)
        {
            [$"{LeaseOptions.Section}:OwnerId"] = Survivor,
            ["Ingest:Kinesis:ServiceUrl"] = survivorKinesisUrl ?? kinesalite.Url,
        };
        var nodes = new TwoNodes(
            new ServerProcess(survivorSettings),
            new ServerProcess(new Dictionary<string, string>(settings) { [$"{LeaseOptions.Section}:OwnerId"] = Victim }),
            DynamoDbTestStore.Open(storeOptions),
            stream);
        try
        {
            await Task.WhenAll(nodes.Survivor.StartAsync(), nodes.Victim.StartAsync());
            await nodes.Leases.WaitForAsync(
                t => t.Count == ShardCount && t.Count(l => l.Owner == Survivor) == ShardCount / 2 && t.Count(l => l.Owner == Victim) == ShardCount / 2,
                Patience, "the shards split 2/2 between the nodes");

            var (gameId, players) = await StartGameOnEveryShardAsync(nodes.Survivor, stream);
            nodes.Play(gameId, players);
            // Mid-round: every shard has had batches processed and checkpointed by its holder.
            await nodes.Leases.WaitForAsync(t => t.All(l => l.Checkpoint is not null), Patience, "a checkpoint on every shard");
            await nodes.OnVictim.WaitForAcknowledgedAsync(50, Patience);
            return nodes;
        }
        catch
        {
            await nodes.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A running game whose players' partition keys cover every shard (players join until each shard has one), so
    /// records keep coming to every shard and each handed-over one shows when the survivor processes it.
    /// </summary>
    private async Task<(string GameId, List<GameClient.JoinedPlayer> Players)> StartGameOnEveryShardAsync(ServerProcess node, string stream)
    {
        using var http = node.CreatePresenterClient();
        var created = await (await http.PostAsJsonAsync("/api/games", new { roundSeconds = 600 })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<GameClient.CreatedGame>();
        var shards = await kinesalite.Client().ListAllShardsAsync(stream);
        var players = new List<GameClient.JoinedPlayer>();
        var covered = new HashSet<string>(StringComparer.Ordinal);
        while (covered.Count < ShardCount || players.Count < ShardCount)
        {
            Assert.True(players.Count < 60, $"60 players cover only {covered.Count} of {ShardCount} shards");
            var response = await http.PostAsJsonAsync($"/api/games/{created!.GameId}/players", new { nickname = $"phone{players.Count}", team = players.Count % 2 == 0 ? "red" : "blue" });
            var player = (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<GameClient.JoinedPlayer>())!;
            players.Add(player);
            covered.Add(KinesisHashKeys.OpenShardOf(shards, player.PlayerId));
        }

        (await http.PostAsync($"/api/games/{created!.GameId}/start", null)).EnsureSuccessStatusCode();
        output.WriteLine($"{players.Count} players cover the {ShardCount} shards");
        return (created.GameId, players);
    }

    /// <summary>
    /// The two nodes, the store they share, and the game's phones: half on each node; the victim's move to the
    /// survivor once it is gone (<see cref="VictimGone"/>), as phones follow a load balancer. Disposing stops it all.
    /// </summary>
    private sealed class TwoNodes(ServerProcess survivor, ServerProcess victim, DynamoDbTestStore store, string stream) : IAsyncDisposable
    {
        private volatile bool _victimGone;
        private string _gameId = "";
        private ResendingPhones? _onSurvivor;
        private ResendingPhones? _onVictim;

        public ServerProcess Survivor => survivor;

        public ServerProcess Victim => victim;

        public LeaseTable Leases { get; } = new(store.Leases, ShardReader.LeaseKey(ScoreFunction.Name, stream, ""));

        public ResendingPhones OnSurvivor => _onSurvivor ?? throw new InvalidOperationException("No game is played yet.");

        public ResendingPhones OnVictim => _onVictim ?? throw new InvalidOperationException("No game is played yet.");

        public long AcknowledgedCount => OnSurvivor.AcknowledgedCount + OnVictim.AcknowledgedCount;

        public void Play(string gameId, IReadOnlyList<GameClient.JoinedPlayer> players)
        {
            _gameId = gameId;
            _onSurvivor = new ResendingPhones(players.Where((_, i) => i % 2 == 0).ToList(), () => survivor.BaseUrl, BatchInterval);
            _onVictim = new ResendingPhones(players.Where((_, i) => i % 2 == 1).ToList(), () => _victimGone ? survivor.BaseUrl : victim.BaseUrl, BatchInterval);
            _onSurvivor.Start();
            _onVictim.Start();
        }

        /// <summary>From now on the victim's phones reconnect to the survivor.</summary>
        public void VictimGone() => _victimGone = true;

        /// <summary>
        /// Phones of both kinds go on a while on the survivor, then stop with every batch acknowledged; every player's
        /// ledger in the store must then be exactly what its acknowledged batches make. Answers the lease table after.
        /// </summary>
        public async Task<IReadOnlyList<Lease>> FinishAsync(TimeSpan timeout)
        {
            await OnVictim.WaitForAcknowledgedAsync(OnVictim.AcknowledgedCount + 30, timeout);
            await Task.WhenAll(OnSurvivor.StopAsync(timeout), OnVictim.StopAsync(timeout));

            var expected = OnSurvivor.ExpectedLedgers().Concat(OnVictim.ExpectedLedgers())
                .ToDictionary(e => e.Key, e => (e.Value.Score, e.Value.LastSeq));
            Assert.All(expected.Values, ledger => Assert.True(ledger.Score > 0));
            var ledgers = await WaitForLedgersAsync(expected, timeout);
            Assert.Equal(expected.OrderBy(e => e.Key), ledgers.OrderBy(e => e.Key));
            return await Leases.ReadAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (_onSurvivor is not null)
            {
                await _onSurvivor.DisposeAsync();
            }

            if (_onVictim is not null)
            {
                await _onVictim.DisposeAsync();
            }

            await victim.DisposeAsync();
            await survivor.DisposeAsync();
            await store.DisposeAsync();
        }

        /// <summary>
        /// The ledgers in the store (each node has its own silo, so no node's scoreboard sees every update): waits until
        /// they are the expected ones, then reads once more a second later, when a batch counted twice would show.
        /// </summary>
        private async Task<Dictionary<string, (long Score, long LastSeq)>> WaitForLedgersAsync(IReadOnlyDictionary<string, (long Score, long LastSeq)> expected, TimeSpan timeout)
        {
            var deadline = Stopwatch.StartNew();
            Dictionary<string, (long Score, long LastSeq)> seen;
            do
            {
                seen = await ReadLedgersAsync();
                if (expected.All(e => seen.TryGetValue(e.Key, out var ledger) && ledger == e.Value))
                {
                    await Task.Delay(TimeSpan.FromSeconds(1));
                    return await ReadLedgersAsync();
                }

                await Task.Delay(100);
            }
            while (deadline.Elapsed < timeout);

            return seen;
        }

        private async Task<Dictionary<string, (long Score, long LastSeq)>> ReadLedgersAsync() =>
            (await store.Games.GetPlayersAsync(_gameId, CancellationToken.None)).ToDictionary(p => p.Profile.PlayerId, p => (p.Ledger.Score, p.Ledger.LastSeq));
    }

    /// <summary>
    /// Reads a watched shard's lease row when a reader first opens the shard (GetShardIterator), before the call goes
    /// on: the reader holds the lease by then and has read nothing, so has checkpointed nothing, and the row shows
    /// exactly the lease it took: owner, counter, and the checkpoint it resumes from. Adds one read of the table to
    /// that open.
    /// </summary>
    private sealed class LeaseAtOpen(LeaseTable leases) : DelegatingHandler
    {
        private readonly ConcurrentDictionary<string, Lease?> _rows = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, TimeSpan> _reads = new(StringComparer.Ordinal);

        /// <summary>Watch these shards: the next open of each reads its row.</summary>
        public void Watch(IEnumerable<string> shardIds)
        {
            foreach (var shardId in shardIds)
            {
                _rows.TryAdd(shardId, null);
            }
        }

        /// <summary>The shard's lease row as its first open since <see cref="Watch"/> found it; null before that open.</summary>
        public Lease? RowAtOpen(string shardId) => _rows.GetValueOrDefault(shardId);

        /// <summary>How long the read at the shard's open held that open back: part of the handover as measured, not of the product's.</summary>
        public TimeSpan ReadAtOpen(string shardId) => _reads.GetValueOrDefault(shardId);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (CountingHandler.Operation(request) == "GetShardIterator")
            {
                using var sent = JsonDocument.Parse(await request.Content!.ReadAsByteArrayAsync(cancellationToken));
                var shardId = sent.RootElement.GetProperty("ShardId").GetString()!;
                if (_rows.TryGetValue(shardId, out var row) && row is null)
                {
                    var reading = Stopwatch.GetTimestamp();
                    _rows[shardId] = (await leases.ReadAsync()).Single(l => l.ShardId == shardId);
                    _reads[shardId] = Stopwatch.GetElapsedTime(reading);
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
