using Game.Functions.Contracts;
using Game.Server.EventSources.Leases;
using Game.Server.Functions.AsyncInvocations;
using Game.Server.Functions.ControlPlane;
using Game.Server.Hosting;
using Game.Server.Storage.DynamoDb;
using Game.Server.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Game.Server.Storage;

public static class StorageExtensions
{
    /// <summary>
    /// The store ports (<see cref="IGameStore"/>, <see cref="IShardLeaseStore"/>, <see cref="IDeadLetterStore"/>,
    /// <see cref="IControlPlaneStore"/>, <see cref="IAsyncEventStore"/>):
    /// the embedded SQLite file by default, DynamoDB when configured. Each port has its own adapter; the adapters of
    /// one technology share one file (<see cref="SqliteDatabase"/>) or one client (<see cref="DynamoDbTables"/>),
    /// whose tables are created once, at start-up, before anything uses a port.
    /// </summary>
    public static IHostApplicationBuilder AddGameStore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<StorageOptions>()
            .Bind(builder.Configuration.GetSection(StorageOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<StorageMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(StorageMetrics.MeterName));

        // Singletons made on first use: only the configured technology's are ever built.
        services.AddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<DataDirectory>().File("game.db")));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<DynamoDbTables>(sp, Configured(sp).DynamoDb));
        AddPort<IStoreSetup, SqliteDatabase, DynamoDbTables>(services);
        AddPort<IGameStore, SqliteGameStore, DynamoDbGameStore>(services, addAdapters: true);
        AddPort<IShardLeaseStore, SqliteShardLeaseStore, DynamoDbShardLeaseStore>(services, addAdapters: true);
        AddPort<IDeadLetterStore, SqliteDeadLetterStore, DynamoDbDeadLetterStore>(services, addAdapters: true);
        AddPort<IControlPlaneStore, SqliteControlPlaneStore, DynamoDbControlPlaneStore>(services, addAdapters: true);
        AddPort<IAsyncEventStore, SqliteAsyncEventStore, DynamoDbAsyncEventStore>(services, addAdapters: true);
        services.AddHostedService<StoreInitializer>();
        return builder;
    }

    /// <summary>Resolves <typeparamref name="TPort"/> to the configured technology's adapter.</summary>
    private static void AddPort<TPort, TSqlite, TDynamoDb>(IServiceCollection services, bool addAdapters = false)
        where TPort : class
        where TSqlite : class, TPort
        where TDynamoDb : class, TPort
    {
        if (addAdapters)
        {
            services.AddSingleton<TSqlite>();
            services.AddSingleton<TDynamoDb>();
        }

        services.AddSingleton<TPort>(sp => Configured(sp).Provider switch
        {
            StorageProvider.DynamoDb => sp.GetRequiredService<TDynamoDb>(),
            _ => sp.GetRequiredService<TSqlite>(),
        });
    }

    private static StorageOptions Configured(IServiceProvider services) =>
        services.GetRequiredService<IOptions<StorageOptions>>().Value;

    /// <summary>Creates tables before anything else uses the store.</summary>
    private sealed class StoreInitializer(IStoreSetup setup) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => setup.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
