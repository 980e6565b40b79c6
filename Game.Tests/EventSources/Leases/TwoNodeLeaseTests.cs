using System.Diagnostics;
using System.Text;
using Game.Server.EventSources.Leases;
using Game.Server.EventSources.Sources;
using Game.Server.Ingest;
using Game.Tests.Infrastructure;
using Game.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.EventSources.Leases;

/// <summary>
/// End to end, in process: two real hosts on one DynamoDB lease table (dynalite) reading the same stream (the
/// first host's embedded stream, which the second reads in process through a shared source, standing in for
/// Kinesis): the shards are split between them, every record reaches the function, and a graceful stop hands the
/// stopped host's shards over before they could have expired.
/// </summary>
public sealed class TwoNodeLeaseTests
{
    private const int FailoverSeconds = 10;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TwoHosts_OneStream_SplitTheShardsAndAGracefulStopHandsThemOverBeforeExpiry()
    {
        var function = $"leases-{Guid.NewGuid().ToString("N")[..6]}";
        var store = DynamoDbTestStore.UniqueOptions();
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "DynamoDb",
            ["Storage:DynamoDb:ServiceUrl"] = store.ServiceUrl,
            ["Storage:DynamoDb:TablePrefix"] = store.TablePrefix,
            [$"{LeaseOptions.Section}:FailoverSeconds"] = FailoverSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var first = new InProcessServer(settings, [function], configureServices: services =>
            services.AddSingleton<IShardSource>(sp => new SharedSource(new EmbeddedShardSource(sp.GetRequiredService<IngestStream>(), sp.GetRequiredService<TimeProvider>()))));
        var stream = first.Services.GetRequiredService<IShardSource>();
        var second = new InProcessServer(settings, [function], configureServices: services =>
            services.AddSingleton<IShardSource>(new SharedSource(stream)));
        var stopped = false;
        try
        {
            _ = second.Services;
            var leases = first.Services.GetRequiredService<IShardLeaseStore>();
            var prefix = $"{function}/{stream.StreamName}/";

            var split = await WaitForOwnersAsync(leases, prefix, owners => owners.Count == 2 && owners.All(o => o.Count() == 2));
            await AppendAndWaitAsync(first, function, 0, 40);

            await second.DisposeAsync();
            stopped = true;
            // The stopped host released its leases as it stopped (however long its silo took to shut down): from here
            // the survivor takes them at its next round, well before they could have expired.
            var stopping = Stopwatch.StartNew();
            var all = await WaitForOwnersAsync(leases, prefix, owners => owners.Count == 1 && owners.Single().Count() == 4);
            stopping.Stop();

            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(FailoverSeconds), $"Handed over {stopping.Elapsed} after the stop");
            // The survivor (the first host) holds all four; each moved lease changed hands twice (released, then
            // taken), where an expired one would have changed hands once (taken).
            Assert.Contains(all.Single().Key, split.Select(g => g.Key));
            var survivor = all.Single().Key;
            var moved = split.Where(g => g.Key != survivor).SelectMany(g => g).ToDictionary(l => l.LeaseKey, l => l.LeaseCounter);
            Assert.Equal(2, moved.Count);
            Assert.All(all.Single().Where(l => moved.ContainsKey(l.LeaseKey)), l => Assert.Equal(moved[l.LeaseKey] + 2, l.LeaseCounter));
            await AppendAndWaitAsync(first, function, 40, 20);
        }
        finally
        {
            if (!stopped)
            {
                await second.DisposeAsync();
            }
        }
    }

    private static async Task<IReadOnlyList<IGrouping<string, Lease>>> WaitForOwnersAsync(
        IShardLeaseStore leases, string prefix, Func<IReadOnlyList<IGrouping<string, Lease>>, bool> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var table = await leases.ListLeasesAsync(prefix, CancellationToken.None);
            var owners = table.Where(l => !l.IsUnowned).GroupBy(l => l.Owner).ToList();
            if (table.Count == 4 && done(owners))
            {
                return owners;
            }

            Assert.True(DateTime.UtcNow < deadline, "Leases: " + string.Join(", ", table.Select(l => $"{l.ShardId}={l.Owner}#{l.LeaseCounter}")));
            await Task.Delay(50);
        }
    }

    /// <summary>Appends records r{from}.. with a partition key each (so every shard gets some) and waits until the function saw each.</summary>
    private static async Task AppendAndWaitAsync(InProcessServer server, string function, int from, int count)
    {
        var expected = Enumerable.Range(from, count).Select(i => $"r{i}").ToList();
        var stream = server.Services.GetRequiredService<IngestStream>();
        foreach (var data in expected)
        {
            await stream.AppendAsync([new AppendRequest($"player-{data}", Encoding.UTF8.GetBytes(data))]);
        }

        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var seen = ScriptedFunction.InvocationsOf(function)
                .SelectMany(e => e.Records)
                .Select(r => Encoding.UTF8.GetString(r.Kinesis.Data))
                .ToHashSet();
            var missing = expected.Where(d => !seen.Contains(d)).ToList();
            if (missing.Count == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Never processed: {string.Join(", ", missing)}");
            await Task.Delay(50);
        }
    }

    /// <summary>A stream every node reads (as a Kinesis stream is): not the node-local embedded source, so leases are shared.</summary>
    private sealed class SharedSource(IShardSource stream) : IShardSource
    {
        public string StreamName => stream.StreamName;

        public Task<IReadOnlyList<SourceShard>> ListShardsAsync(CancellationToken cancellationToken) => stream.ListShardsAsync(cancellationToken);

        public Task<IShardCursor> OpenAsync(string shardId, ShardPosition position, CancellationToken cancellationToken) =>
            stream.OpenAsync(shardId, position, cancellationToken);
    }
}
