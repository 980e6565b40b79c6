using System.Diagnostics;
using System.Net.Http.Json;
using System.Numerics;
using Game.Functions.Scoring;
using Game.Server.EventSources;
using Game.Server.EventSources.Leases;
using Game.Server.Ingest.KinesisStream;
using Game.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Game.Tests.KinesisProvider;

/// <summary>
/// Resharding during a game on kinesalite: a shard is split, then one of its children is merged with its neighbour,
/// while phones play. Each child shard is read only after every parent was read to SHARD_END and its lease says so
/// (Lambda's and the KCL's rule), so a player whose key moves to a child keeps its order, and every acknowledged
/// batch counts exactly once: a child read too early would apply a newer seq first and the ledger would then
/// ignore the parent's older batches, which the exact scores would show. Each parent's reads are held back for a
/// few rounds around the resharding (a slow reader), so a child that did not wait would surely be read first.
/// Once its children are being read, a finished shard's lease row is deleted, and never written again.
/// </summary>
public sealed class KinesisReshardingTests(KinesaliteFixture kinesalite, ITestOutputHelper output) : IClassFixture<KinesaliteFixture>
{
    private const string Parent0 = "shardId-000000000000";
    private const string Parent1 = "shardId-000000000001";
    private const string SplitLow = "shardId-000000000002";
    private const string SplitHigh = "shardId-000000000003";
    private const string Merged = "shardId-000000000004";
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    /// <summary>How long a parent's reads are held back: three lease rounds (failover 3 s), in which a child that did not wait for it would start.</summary>
    private static readonly TimeSpan ParentHold = TimeSpan.FromSeconds(3);

    /// <summary>Shard 0 of two covers [0, 2^127); it is split at its middle.</summary>
    private static readonly BigInteger SplitAt = BigInteger.Pow(2, 126);

    [Fact]
    public async Task SplitThenMerge_DuringAGame_ChildrenReadOnlyAfterTheirParentsEndAndScoresExact()
    {
        var stream = "reshard-" + Guid.NewGuid().ToString("N")[..12];
        var calls = new ShardCallLog();
        await using var server = new KinesisProviderServer(kinesalite.Url, stream, new Dictionary<string, string?>
        {
            // Rounds every second (production: failover 10 s, a round every 3.3 s): new shards are listed sooner.
            [$"{LeaseOptions.Section}:FailoverSeconds"] = "3",
        }, handlers: calls);
        server.Start();
        var (gameId, players) = await StartGameOnEveryRangeAsync(server);
        var client = kinesalite.Client();
        var leases = new LeaseTable(server.Services.GetRequiredService<IShardLeaseStore>(), ShardReader.LeaseKey(ScoreFunction.Name, stream, ""));

        await using var phones = new ResendingPhones(players, () => server.BaseUrl, BatchInterval);
        phones.Start();
        await phones.WaitForAcknowledgedAsync(60, Patience);

        // Split shard 0 in two: its players' next batches go to 2 or 3, after their last ones in 0.
        calls.HoldReads(Parent0, ParentHold);
        await client.SplitShardAsync(new SplitShardRequest(stream, Parent0, SplitAt.ToString()));
        await WaitActiveAsync(client, stream);
        await phones.WaitForAcknowledgedAsync(phones.AcknowledgedCount + 60, Patience);
        await leases.WaitForAsync(t => Finished(t, Parent0) && HasCheckpoint(t, SplitLow) && HasCheckpoint(t, SplitHigh), Patience, "shard 0 ended and both children read");

        // Merge child 3 with shard 1 (adjacent ranges): shard 4 has parents of two generations.
        calls.HoldReads(SplitHigh, ParentHold);
        calls.HoldReads(Parent1, ParentHold);
        await client.MergeShardsAsync(new MergeShardsRequest(stream, SplitHigh, Parent1));
        await WaitActiveAsync(client, stream);
        await phones.WaitForAcknowledgedAsync(phones.AcknowledgedCount + 60, Patience);
        await leases.WaitForAsync(t => Finished(t, SplitHigh) && Finished(t, Parent1) && HasCheckpoint(t, Merged), Patience, "shards 3 and 1 ended and 4 read");
        await phones.StopAsync(Patience);

        var expected = phones.ExpectedLedgers().ToDictionary(e => e.Key, e => e.Value.Score);
        Assert.All(expected.Values, score => Assert.True(score > 0));
        var scores = await server.WaitForScoresAsync(gameId, expected, Patience);
        Assert.Equal(expected.OrderBy(e => e.Key), scores.OrderBy(e => e.Key));

        // Once every child of a finished shard is being read, the finished shard's row is deleted (the KCL's lease
        // cleanup, a lineage from the top: shard 3's only after shard 0's); the open shards' rows keep their lineage.
        // Two lease rounds later (the holder renews once a round) no finished shard's row is back, though the stream
        // still lists the closed shards.
        var cleaned = await leases.WaitForAsync(t => t.Select(l => l.ShardId).SequenceEqual([SplitLow, Merged]), Patience, "only the open shards' rows");
        var renewals = cleaned.Single(l => l.ShardId == Merged).Renewals;
        var table = (await leases.WaitForAsync(t => t.Any(l => l.ShardId == Merged && l.Renewals >= renewals + 2), Patience, "two more lease rounds"))
            .ToDictionary(l => l.ShardId);
        output.WriteLine($"lease table: {LeaseTable.Describe(table.Values)}");
        Assert.Equal([SplitLow, Merged], table.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([Parent0], table[SplitLow].ParentShardIds);
        Assert.Equal([SplitHigh, Parent1], table[Merged].ParentShardIds);

        // Each child was opened only after each of its parents had been read to its end.
        var events = calls.Events;
        output.WriteLine(string.Join(Environment.NewLine, events.Select(e => $"{e.At.TotalMilliseconds,8:F0} ms {e.Event,-4} {e.ShardId}")));
        foreach (var (child, parents) in new[] { (SplitLow, new[] { Parent0 }), (SplitHigh, [Parent0]), (Merged, [SplitHigh, Parent1]) })
        {
            var opened = calls.FirstOpen(child) ?? throw new Xunit.Sdk.XunitException($"{child} was never opened");
            foreach (var parent in parents)
            {
                var ended = calls.End(parent) ?? throw new Xunit.Sdk.XunitException($"{parent} never answered SHARD_END");
                Assert.True(ended < opened, $"{child} was opened at {opened.TotalMilliseconds:F0} ms, before its parent {parent} ended at {ended.TotalMilliseconds:F0} ms");
            }
        }

        // A finished shard is never read again, also not after its row was deleted.
        foreach (var parent in new[] { Parent0, Parent1, SplitHigh })
        {
            var ended = calls.End(parent)!.Value;
            Assert.All(calls.Opens.Where(o => o.ShardId == parent), o => Assert.True(o.At < ended, $"{parent} was opened again at {o.At.TotalMilliseconds:F0} ms, after it ended at {ended.TotalMilliseconds:F0} ms"));
        }

        output.WriteLine($"{phones.AcknowledgedCount} batches of {players.Count} players acknowledged and scored exactly");
    }

    /// <summary>The shard's row reads SHARD_END, or is gone: deleted once its children are read (it existed since the shard was listed).</summary>
    private static bool Finished(IReadOnlyList<Lease> table, string shardId) =>
        table.All(l => l.ShardId != shardId) || table.Any(l => l.ShardId == shardId && l.IsShardEnded);

    private static bool HasCheckpoint(IReadOnlyList<Lease> table, string shardId) =>
        table.Any(l => l.ShardId == shardId && l.Checkpoint is not null && !l.IsShardEnded);

    private static async Task WaitActiveAsync(KinesisClient client, string stream)
    {
        var deadline = Stopwatch.StartNew();
        while ((await client.DescribeStreamSummaryAsync(stream)).StreamStatus != StreamStatus.Active)
        {
            Assert.True(deadline.Elapsed < Patience, $"{stream} did not become ACTIVE again");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// A running game with players in each of the three hash-key ranges the resharding ends with ([0, 2^126) shard 2,
    /// [2^126, 2^127) shard 3 then 4, [2^127, 2^128) shard 1 then 4), so every shard gets records before and after.
    /// </summary>
    private async Task<(string GameId, List<GameClient.JoinedPlayer> Players)> StartGameOnEveryRangeAsync(KinesisProviderServer server)
    {
        using var http = server.CreatePresenterClient();
        var created = await (await http.PostAsJsonAsync("/api/games", new { roundSeconds = 600 })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<GameClient.CreatedGame>();
        var half = BigInteger.Pow(2, 127);
        var players = new List<GameClient.JoinedPlayer>();
        var ranges = new HashSet<int>();
        while (ranges.Count < 3 || players.Count < 4)
        {
            Assert.True(players.Count < 60, $"60 players cover only {ranges.Count} of 3 ranges");
            var response = await http.PostAsJsonAsync($"/api/games/{created!.GameId}/players", new { nickname = $"phone{players.Count}", team = players.Count % 2 == 0 ? "red" : "blue" });
            var player = (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<GameClient.JoinedPlayer>())!;
            players.Add(player);
            var hash = KinesisHashKeys.HashKey(player.PlayerId);
            ranges.Add(hash < SplitAt ? 0 : hash < half ? 1 : 2);
        }

        (await http.PostAsync($"/api/games/{created!.GameId}/start", null)).EnsureSuccessStatusCode();
        return (created.GameId, players);
    }
}
