using Game.Functions.Runtime;
using Game.Functions.Scoring;
using Game.Server.EventSources.Leases;
using Game.Server.EventSources.Sources;
using Game.Server.Ingest;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Game.Server.EventSources;

public static class EventSourceExtensions
{
    /// <summary>The functions this host runs, their event source mappings on the stream, and their metrics (Lambda's names).</summary>
    public static IHostApplicationBuilder AddEventSources(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FunctionMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(FunctionMetrics.MeterName));
        builder.Services.AddSingleton<FunctionCatalog>();
        builder.Services.AddSingleton<FunctionConcurrency>();
        builder.Services.AddKinesisFunction<ScoreFunction>(ScoreFunction.Name, builder.Configuration);
        builder.Services.AddJsonFunction<PlayerRankFunction>(PlayerRankFunction.Name, builder.Configuration);
        return builder;
    }

    /// <summary>The mappings' on-failure destination, listed and replayed over HTTP.</summary>
    public static IEndpointRouteBuilder MapEventSources(this IEndpointRouteBuilder app) => app.MapDeadLetterApi();

    /// <summary>Registers a function that is only invoked directly (Invoke API); its timeout is <c>Functions:&lt;name&gt;:Timeout</c> (default 3 s).</summary>
    public static IServiceCollection AddJsonFunction<TFunction>(this IServiceCollection services, string name, IConfiguration configuration)
        where TFunction : class, IJsonFunction
    {
        var timeout = configuration.GetValue($"{EventSourceMappingOptions.Section}:{name}:Timeout", 3);
        services.AddSingleton(new FunctionRegistration(name, typeof(TFunction), TimeSpan.FromSeconds(timeout)));
        return services;
    }

    /// <summary>
    /// Registers a function and its event source mapping (<c>Functions:&lt;name&gt;</c>): one reader per shard feeds
    /// it batches under Lambda's rules.
    /// </summary>
    /// <typeparam name="TFunction">An <see cref="IKinesisFunction"/>, or an <see cref="ITumblingWindowFunction"/> for a mapping with TumblingWindowInSeconds.</typeparam>
    public static IServiceCollection AddKinesisFunction<TFunction>(this IServiceCollection services, string name, IConfiguration configuration)
        where TFunction : class
    {
        if (!typeof(IKinesisFunction).IsAssignableFrom(typeof(TFunction)) && !typeof(ITumblingWindowFunction).IsAssignableFrom(typeof(TFunction)))
        {
            throw new ArgumentException($"{typeof(TFunction).Name} handles neither Kinesis events nor tumbling windows.", nameof(TFunction));
        }

        services.AddOptions<EventSourceMappingOptions>(name)
            .Bind(configuration.GetSection($"{EventSourceMappingOptions.Section}:{name}"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(sp => new FunctionRegistration(
            name,
            typeof(TFunction),
            TimeSpan.FromSeconds(sp.GetRequiredService<IOptionsMonitor<EventSourceMappingOptions>>().Get(name).Timeout)));
        // The stream the mappings read: Ingest:Provider's (the embedded stream by default, else the Kinesis stream),
        // unless a host or test registered another source first. Chosen when first resolved, so with Kinesis the
        // embedded stream is never opened.
        services.TryAddSingleton<IShardSource>(provider =>
            provider.GetRequiredService<IOptions<IngestOptions>>().Value.Provider == IngestProvider.Kinesis
                ? ActivatorUtilities.CreateInstance<KinesisShardSource>(provider)
                : ActivatorUtilities.CreateInstance<EmbeddedShardSource>(provider));
        services.AddOptions<LeaseOptions>()
            .Bind(configuration.GetSection(LeaseOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<ShardPoller>(sp, name));
        return services;
    }
}
