using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Game.Functions.Scoring;
using Game.Server.EventSources;
using Game.Server.EventSources.Leases;
using Game.Tests.Infrastructure;
using Game.Tests.Storage;
using Xunit.Abstractions;

namespace Game.Tests.KinesisProvider;

/// <summary>
/// Two real server processes on one kinesalite stream and one dynalite lease table (each with its own Orleans silo):
/// they start at once against a stream that does not exist yet, split the shards' leases between them, and phones
/// write through both. One is killed with SIGKILL mid-round: the survivor takes its leases once they expire, reads
/// on from their checkpoints, and every acknowledged batch is counted exactly once.
/// </summary>
/// <remarks>
/// The failover time is 3 s here (production default 10 s) so the test takes seconds; the bounds are derived from
/// it, not guessed. The take: the dead node renewed last at most one round before the kill; the survivor's lease
/// rounds start every renew interval (failover / 3), so it first sees that last renewal less than one round after
/// it was written, and judges the lease expired at the first round that has seen it unchanged for the failover
/// time, less than one more round later. So the take comes between failover − renew interval and failover + 2
/// rounds after the kill, where a round is the renew interval, or longer when a loaded machine makes the round's
/// own calls take longer: the test measures the survivor's rounds (its own leases' renewals) and its own reads of
/// the table, and allows for both. Then the first batch: the new holder starts a reader at once (GetShardIterator
/// after the checkpoint, GetRecords, one invocation, one checkpoint write); it must have processed a batch within
/// one failover time of the take, before its own lease could be judged expired.
/// </remarks>
public sealed class KinesisNodeFailoverTests(KinesaliteFixture kinesalite, ITestOutputHelper output) : IClassFixture<KinesaliteFixture>
{
    private const int FailoverSeconds = 3;
    private const int ShardCount = 4;
    private const string Survivor = "node-a";
    private const string Victim = "node-b";
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TwoNodes_OneKilledMidRound_TheOtherTakesItsShardsWithinTheFailoverTimeAndScoresStayExact()
    {
        var leaseOptions = new LeaseOptions { FailoverSeconds = FailoverSeconds };
        var stream = "failover-" + Guid.NewGuid().ToString("N")[..12];
        var storeOptions = DynamoDbTestStore.UniqueOptions();
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
            [$"{LeaseOptions.Section}:FailoverSeconds"] = FailoverSeconds.ToString(CultureInfo.InvariantCulture),
            ["Storage:Provider"] = "DynamoDb",
            ["Storage:DynamoDb:ServiceUrl"] = storeOptions.ServiceUrl!,
            ["Storage:DynamoDb:TablePrefix"] = storeOptions.TablePrefix,
        };
        await using var survivor = new ServerProcess(With(settings, $"{LeaseOptions.Section}:OwnerId", Survivor));
        await using var victim = new ServerProcess(With(settings, $"{LeaseOptions.Section}:OwnerId", Victim));
        // Both at once, against a stream nobody created yet: one creates it, the other finds it, neither fails.
        await Task.WhenAll(survivor.StartAsync(), victim.StartAsync());

        await using var store = DynamoDbTestStore.Open(storeOptions);
        var leases = new LeaseTable(store.Leases, ShardReader.LeaseKey(ScoreFunction.Name, stream, ""));
        await leases.WaitForAsync(
            t => t.Count == ShardCount && t.Count(l => l.Owner == Survivor) == ShardCount / 2 && t.Count(l => l.Owner == Victim) == ShardCount / 2,
            Patience, "the shards split 2/2 between the nodes");

        var (gameId, players) = await StartGameOnEveryShardAsync(survivor, stream);
        var victimKilled = false;
        // Half the phones on each node; the victim's move to the survivor once it is gone, as phones follow a load balancer.
        await using var onSurvivor = new ResendingPhones(players.Where((_, i) => i % 2 == 0).ToList(), () => survivor.BaseUrl, BatchInterval);
        await using var onVictim = new ResendingPhones(players.Where((_, i) => i % 2 == 1).ToList(), () => Volatile.Read(ref victimKilled) ? survivor.BaseUrl : victim.BaseUrl, BatchInterval);
        onSurvivor.Start();
        onVictim.Start();
        // Mid-round: every shard has had batches processed and checkpointed by its holder.
        await leases.WaitForAsync(t => t.All(l => l.Checkpoint is not null), Patience, "a checkpoint on every shard");
        await onVictim.WaitForAcknowledgedAsync(50, Patience);

        var clock = Stopwatch.StartNew();
        var survivorLogBefore = survivor.Output.Length;
        await victim.KillAsync();
        Volatile.Write(ref victimKilled, true);
        var orphaned = (await leases.ReadAsync()).Where(l => l.Owner == Victim).ToList();
        Assert.Equal(ShardCount / 2, orphaned.Count);
        var times = await leases.TimeTakeoverAsync(orphaned, Survivor, clock, Patience);

        // Phones of both kinds go on after the takeover, then stop with every batch acknowledged.
        await onVictim.WaitForAcknowledgedAsync(onVictim.AcknowledgedCount + 30, Patience);
        await Task.WhenAll(onSurvivor.StopAsync(Patience), onVictim.StopAsync(Patience));

        var expected = onSurvivor.ExpectedLedgers().Concat(onVictim.ExpectedLedgers()).ToDictionary(e => e.Key, e => e.Value.Score);
        Assert.All(expected.Values, score => Assert.True(score > 0));
        var scores = await WaitForLedgersAsync(store, gameId, expected);
        Assert.Equal(expected.OrderBy(e => e.Key), scores.OrderBy(e => e.Key));
        var final = await leases.ReadAsync();
        Assert.All(final, l => Assert.Equal(Survivor, l.Owner));

        var round = times.LongestRound > leaseOptions.RenewInterval ? times.LongestRound : leaseOptions.RenewInterval;
        var earliest = leaseOptions.Failover - leaseOptions.RenewInterval;
        var latest = leaseOptions.Failover + 2 * round + times.LongestRead + LeaseTable.ReadInterval;
        // The test sees a checkpoint only when it next reads the table, so its own polling is added to the bound.
        var firstBatch = leaseOptions.Failover + times.LongestRead + LeaseTable.ReadInterval;
        var takeover = times.Shards;
        output.WriteLine($"takeover after SIGKILL (kill → survivor's first checkpoint per orphaned shard), failover {leaseOptions.Failover.TotalSeconds} s, renew every {leaseOptions.RenewInterval.TotalMilliseconds:F0} ms: " +
            string.Join(", ", takeover.OrderBy(t => t.Key).Select(t => $"{t.Key} taken after {t.Value.Taken.TotalMilliseconds:F0} ms, first batch after {t.Value.Processed.TotalMilliseconds:F0} ms")) +
            $"; survivor's longest round {times.LongestRound.TotalMilliseconds:F0} ms, longest table read {times.LongestRead.TotalMilliseconds:F0} ms" +
            $"; allowed: taken {earliest.TotalMilliseconds:F0}–{latest.TotalMilliseconds:F0} ms, first batch within {firstBatch.TotalMilliseconds:F0} ms of the take");
        output.WriteLine($"{onSurvivor.AcknowledgedCount + onVictim.AcknowledgedCount} batches acknowledged, {onVictim.Reconnects} reconnects of the victim's phones; lease table: {LeaseTable.Describe(final)}");
        output.WriteLine("the survivor's log since the kill:");
        output.WriteLine(survivor.Output[survivorLogBefore..]);
        Assert.All(takeover.Values, t => Assert.InRange(t.Taken, earliest, latest));
        Assert.All(takeover.Values, t => Assert.InRange(t.Processed - t.Taken, TimeSpan.Zero, firstBatch));
    }

    private static Dictionary<string, string> With(Dictionary<string, string> settings, string key, string value) =>
        new(settings) { [key] = value };

    /// <summary>
    /// A running game whose players' partition keys cover every shard (players join until each shard has one), so
    /// records keep coming to every shard and each orphaned one shows when the survivor processes it.
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
    /// The ledgers in the store (each node has its own silo, so no node's scoreboard sees every update): waits until
    /// they are the expected ones, then reads once more a second later, when a batch counted twice would show.
    /// </summary>
    private static async Task<Dictionary<string, long>> WaitForLedgersAsync(DynamoDbTestStore store, string gameId, IReadOnlyDictionary<string, long> expected)
    {
        var deadline = Stopwatch.StartNew();
        Dictionary<string, long> seen;
        do
        {
            seen = (await store.Games.GetPlayersAsync(gameId, CancellationToken.None)).ToDictionary(p => p.Profile.PlayerId, p => p.Ledger.Score);
            if (expected.All(e => seen.GetValueOrDefault(e.Key) == e.Value))
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                return (await store.Games.GetPlayersAsync(gameId, CancellationToken.None)).ToDictionary(p => p.Profile.PlayerId, p => p.Ledger.Score);
            }

            await Task.Delay(100);
        }
        while (deadline.Elapsed < Patience);

        return seen;
    }
}
