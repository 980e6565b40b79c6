using Game.Functions.Contracts;
using Game.Server.EventSources.Leases;
using Game.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Game.Server.Storage;

public static class StorageExtensions
{
    /// <summary>
    /// The game store: the embedded SQLite file by default, DynamoDB when configured. The same instance is also the
    /// dead-letter store (the mappings' on-failure destination), so both share one connection or client.
    /// </summary>
    public static IHostApplicationBuilder AddGameStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>()
            .Bind(builder.Configuration.GetSection(StorageOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<StorageMetrics>();
        builder.Services.AddSingleton<IGameStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return options.Provider switch
            {
                StorageProvider.DynamoDb => ActivatorUtilities.CreateInstance<DynamoDbGameStore>(sp, options.DynamoDb),
                _ => new SqliteGameStore(sp.GetRequiredService<DataDirectory>().File("game.db")),
            };
        });
        builder.Services.AddSingleton(sp => (IShardLeaseStore)sp.GetRequiredService<IGameStore>());
        builder.Services.AddSingleton(sp => (IDeadLetterStore)sp.GetRequiredService<IGameStore>());
        builder.Services.AddHostedService<StoreInitializer>();
        return builder;
    }

    /// <summary>Creates tables before anything else uses the store.</summary>
    private sealed class StoreInitializer(IGameStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
