using Game.Functions.Runtime;
using Game.Functions.Scoring;
using Microsoft.Extensions.Options;

namespace Game.Server.EventSources;

public static class EventSourceExtensions
{
    /// <summary>The functions this host runs and their event source mappings on the stream.</summary>
    public static IHostApplicationBuilder AddFunctions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EventSourceMappingOptions>(ScoreFunction.Name)
            .Bind(builder.Configuration.GetSection($"{EventSourceMappingOptions.Section}:{ScoreFunction.Name}"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => new FunctionRegistration(
            ScoreFunction.Name,
            typeof(ScoreFunction),
            TimeSpan.FromSeconds(sp.GetRequiredService<IOptionsMonitor<EventSourceMappingOptions>>().Get(ScoreFunction.Name).Timeout)));
        builder.Services.AddSingleton<FunctionCatalog>();
        builder.Services.AddSingleton<FunctionConcurrency>();
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<ShardPoller>(sp, ScoreFunction.Name));
        return builder;
    }
}
