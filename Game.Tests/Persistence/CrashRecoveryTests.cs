using Game.Functions.Contracts;
using Game.Server.Storage;
using Game.Tests.Infrastructure;
using Game.Tests.Storage;
using Xunit.Abstractions;

namespace Game.Tests.Persistence;

/// <summary>
/// The exactly-once promise across crashes: the real server is killed with SIGKILL while phones send, and
/// started again on the same data, three times; every acknowledged batch must count exactly once.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private const int Seed = 20261128;
    private const int Players = 10;
    private const int Crashes = 3;
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(StorageProvider.Embedded)]
    [InlineData(StorageProvider.DynamoDb)]
    public async Task Server_KilledThreeTimesWhilePhonesSend_EveryAcknowledgedBatchCountsExactlyOnce(StorageProvider provider)
    {
        var random = new Random(Seed);
        var dataDirectory = Path.Combine(Path.GetTempPath(), "game-crash-" + Guid.NewGuid().ToString("N")[..12]);
        await using var dynalite = provider == StorageProvider.DynamoDb ? new DynaliteProcess(persistent: false) : null;
        var settings = new Dictionary<string, string> { ["Game:CountdownSeconds"] = "0" };
        var storeOptions = new DynamoDbStorageOptions { TablePrefix = $"crash{Guid.NewGuid():N}"[..13] + "_" };
        if (dynalite is not null)
        {
            await dynalite.StartAsync();
            storeOptions.ServiceUrl = dynalite.Url;
            settings["Storage:Provider"] = "DynamoDb";
            settings["Storage:DynamoDb:ServiceUrl"] = dynalite.Url;
            settings["Storage:DynamoDb:TablePrefix"] = storeOptions.TablePrefix;
        }

        // Every incarnation of the server, disposed at the end (the first one deletes the shared data directory).
        var servers = new List<ServerProcess> { new(settings, dataDirectory) };
        try
        {
            var server = servers[0];
            await server.StartAsync();
            using var client = new GameClient(server);
            var game = await client.CreateGameAsync(roundSeconds: 600);
            var players = new List<GameClient.JoinedPlayer>();
            for (var i = 0; i < Players; i++)
            {
                players.Add(await client.JoinAsync(game.GameId, $"phone{i}", i % 2 == 0 ? "red" : "blue"));
            }

            await client.StartAsync(game.GameId);
            await using var phones = new ResendingPhones(players, () => Volatile.Read(ref server).BaseUrl, BatchInterval);
            phones.Start();

            for (var crash = 1; crash <= Crashes; crash++)
            {
                // A random point while every phone is sending: after some more acknowledged batches.
                var killAfter = phones.AcknowledgedCount + random.Next(40, 240);
                await phones.WaitForAcknowledgedAsync(killAfter, Patience);
                await server.KillAsync();
                output.WriteLine($"crash {crash}: killed after {phones.AcknowledgedCount} acknowledged batches");

                var restarted = new ServerProcess(settings, dataDirectory);
                servers.Add(restarted);
                await restarted.StartAsync();
                Volatile.Write(ref server, restarted);
            }

            // The last incarnation takes a few more batches (resends first), then the phones stop.
            await phones.WaitForAcknowledgedAsync(phones.AcknowledgedCount + 100, Patience);
            await phones.StopAsync(Patience);
            var expected = phones.ExpectedLedgers();
            output.WriteLine($"{phones.AcknowledgedCount} batches acknowledged, {phones.Reconnects} reconnects");
            Assert.True(phones.Reconnects >= Players * Crashes, $"{phones.Reconnects} reconnects: the phones did not live through {Crashes} crashes");

            // The scoreboard reads the store: wait until it settles on the expected totals, then compare exactly.
            using var finalClient = new GameClient(server);
            var expectedScores = expected.ToDictionary(e => e.Key, e => e.Value.Score);
            var scores = await SettledScoresAsync(finalClient, game.GameId, expectedScores);
            Assert.Equal(expectedScores.OrderBy(e => e.Key), scores.OrderBy(e => e.Key));

            // The ledgers themselves: score, last applied seq and last sample time, exactly.
            var stored = await ReadLedgersAsync(provider, dataDirectory, storeOptions, game.GameId);
            Assert.Equal(expected.OrderBy(e => e.Key), stored.OrderBy(e => e.Key));
        }
        finally
        {
            foreach (var incarnation in servers.AsEnumerable().Reverse())
            {
                await incarnation.DisposeAsync();
            }
        }
    }

    /// <summary>Polls the scoreboard until it shows the expected scores (or the deadline passes), and answers the last one read.</summary>
    private static async Task<Dictionary<string, long>> SettledScoresAsync(GameClient client, string gameId, Dictionary<string, long> expected)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var scores = (await client.ScoreboardAsync(gameId)).Players.ToDictionary(p => p.PlayerId, p => p.Score);
            if (expected.All(e => scores.GetValueOrDefault(e.Key) == e.Value) || DateTime.UtcNow >= deadline)
            {
                return scores;
            }

            await Task.Delay(100);
        }
    }

    private static async Task<Dictionary<string, PlayerLedger>> ReadLedgersAsync(
        StorageProvider provider, string dataDirectory, DynamoDbStorageOptions options, string gameId)
    {
        if (provider == StorageProvider.DynamoDb)
        {
            await using var dynamo = DynamoDbTestStore.Open(options);
            return await ReadAsync(dynamo);
        }

        await using var sqlite = await SqliteTestStore.OpenAsync(Path.Combine(dataDirectory, "game.db"), CancellationToken.None);
        return await ReadAsync(sqlite);

        // All but CountedUntil, which only the server's clock gives (the phones' mirror leaves that rule out).
        async Task<Dictionary<string, PlayerLedger>> ReadAsync(ITestStore store) =>
            (await store.Games.GetPlayersAsync(gameId, CancellationToken.None)).ToDictionary(p => p.Profile.PlayerId, p => p.Ledger with { CountedUntil = 0 });
    }
}
