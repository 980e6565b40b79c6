using Game.Functions.Contracts;
using Game.Server.EventSources.Leases;
using Game.Server.Hosting;
using Game.Server.Storage;
using Game.Server.Storage.DynamoDb;
using Game.Server.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Game.Tests.Storage;

public sealed class StorageExtensionsTests
{
    [Fact]
    public async Task AddGameStore_Embedded_EachPortItsAdapterOnOneFileInitialisedOnce()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"game-store-di-{Guid.NewGuid():N}");
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Game:DataDirectory"] = directory;
        builder.Services.AddSingleton<DataDirectory>();
        builder.AddGameStore();

        using (var host = builder.Build())
        {
            var services = host.Services;
            var games = Assert.IsType<SqliteGameStore>(services.GetRequiredService<IGameStore>());
            var leases = Assert.IsType<SqliteShardLeaseStore>(services.GetRequiredService<IShardLeaseStore>());
            var deadLetters = Assert.IsType<SqliteDeadLetterStore>(services.GetRequiredService<IDeadLetterStore>());
            Assert.Same(services.GetRequiredService<SqliteDatabase>(), services.GetRequiredService<IStoreSetup>());

            // Only the start-up set-up initialises the file; every adapter can write once it ran.
            await host.StartAsync();
            await games.AddPlayerAsync("GAME", new PlayerProfile { PlayerId = "p1", Nickname = "Ann", Team = "blue" }, CancellationToken.None);
            var lease = await leases.AcquireLeaseAsync("score/motion/shardId-000000000000", "host-a", CancellationToken.None);
            await leases.SetCheckpointAsync(lease.LeaseKey, "7", lease.LeaseCounter, CancellationToken.None);
            await deadLetters.AddAsync(new DeadLetter { Id = "1", FunctionName = "score" }, CancellationToken.None);

            Assert.Single(await games.GetPlayersAsync("GAME", CancellationToken.None));
            Assert.Equal("7", await LeaseCheckpoints.ReadAsync(services, lease.LeaseKey, CancellationToken.None));
            Assert.Equal("1", Assert.Single(await deadLetters.ListAsync(null, CancellationToken.None)).Id);
            await host.StopAsync();
        }

        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void AddGameStore_DynamoDb_EachPortItsAdapterOnOneClient()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Storage:Provider"] = "DynamoDb";
        builder.Configuration["Storage:DynamoDb:ServiceUrl"] = "http://127.0.0.1:9";
        builder.AddGameStore();

        using var services = builder.Services.BuildServiceProvider();

        Assert.IsType<DynamoDbGameStore>(services.GetRequiredService<IGameStore>());
        Assert.IsType<DynamoDbShardLeaseStore>(services.GetRequiredService<IShardLeaseStore>());
        Assert.IsType<DynamoDbDeadLetterStore>(services.GetRequiredService<IDeadLetterStore>());
        Assert.Same(services.GetRequiredService<DynamoDbTables>(), services.GetRequiredService<IStoreSetup>());
        Assert.Equal("Leases", services.GetRequiredService<DynamoDbTables>().Leases);
    }
}
