using LoadTest.Options;
using LoadTest.Reporting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace LoadTest;

public static class LoadTestServiceCollectionExtensions
{
    /// <summary>The runner with its options; the clock is <see cref="TimeProvider.System"/> unless one is registered.</summary>
    public static IServiceCollection AddLoadTest(this IServiceCollection services, LoadOptions options)
    {
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => ProgressView.Create(options.Plain, provider.GetRequiredService<ILoggerFactory>().CreateLogger<LoadRunner>()));
        services.AddSingleton<LoadRunner>();
        return services;
    }
}
