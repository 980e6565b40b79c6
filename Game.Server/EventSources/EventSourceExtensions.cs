using Game.Functions.Runtime;
using Game.Functions.Scoring;
using Microsoft.Extensions.Options;

namespace Game.Server.EventSources;

public static class EventSourceExtensions
{
    /// <summary>The functions this host runs and their event source mappings on the stream.</summary>
    public static IHostApplicationBuilder AddFunctions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FunctionCatalog>();
        builder.Services.AddSingleton<FunctionConcurrency>();
        builder.Services.AddKinesisFunction<ScoreFunction>(ScoreFunction.Name, builder.Configuration);
        return builder;
    }

    /// <summary>
    /// Registers a function and its event source mapping (<c>Functions:&lt;name&gt;</c>): one reader per shard feeds
    /// it batches under Lambda's rules.
    /// </summary>
    public static IServiceCollection AddKinesisFunction<TFunction>(this IServiceCollection services, string name, IConfiguration configuration)
        where TFunction : class, IKinesisFunction
    {
        services.AddOptions<EventSourceMappingOptions>(name)
            .Bind(configuration.GetSection($"{EventSourceMappingOptions.Section}:{name}"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(sp => new FunctionRegistration(
            name,
            typeof(TFunction),
            TimeSpan.FromSeconds(sp.GetRequiredService<IOptionsMonitor<EventSourceMappingOptions>>().Get(name).Timeout)));
        services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<ShardPoller>(sp, name));
        return services;
    }
}
