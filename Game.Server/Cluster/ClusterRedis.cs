using StackExchange.Redis;

namespace Game.Server.Cluster;

/// <summary>
/// The Redis connection Orleans' membership uses: a keyed
/// <see cref="IConnectionMultiplexer"/> under the name <c>Orleans:Clustering:ServiceKey</c> names, built from
/// <c>ConnectionStrings:&lt;name&gt;</c> (what Aspire's <c>AddKeyedRedisClient</c> registers, and what Orleans'
/// Redis clustering provider takes from the container when <c>ServiceKey</c> is set).
/// </summary>
public static class ClusterRedis
{
    /// <summary>Registers the keyed connection; it connects when first resolved (the silo's start).</summary>
    public static IServiceCollection AddClusterRedisConnection(this IServiceCollection services, IConfiguration configuration)
    {
        var name = ClusterSettings.ConnectionName(configuration);
        services.AddKeyedSingleton<IConnectionMultiplexer>(name, (sp, _) => Connect(sp.GetRequiredService<IConfiguration>(), name));
        return services;
    }

    private static ConnectionMultiplexer Connect(IConfiguration configuration, string name)
    {
        var setting = $"ConnectionStrings:{name}";
        var connectionString = configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException($"{setting} is not set: a clustered node needs the Redis connection string there.");
        }

        try
        {
            // The first connect must succeed, so a node with a wrong address stops at start naming the setting;
            // afterwards the multiplexer reconnects by itself when Redis restarts.
            return ConnectionMultiplexer.Connect(connectionString);
        }
        catch (RedisConnectionException ex)
        {
            throw new InvalidOperationException($"Could not connect to Redis at {setting} ({ex.Message}): check the setting and that Redis runs.", ex);
        }
    }
}
