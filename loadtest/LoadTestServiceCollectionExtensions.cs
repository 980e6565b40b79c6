using LoadTest.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LoadTest;

public static class LoadTestServiceCollectionExtensions
{
    /// <summary>The runner with its options; the clock is <see cref="TimeProvider.System"/> unless one is registered.</summary>
    public static IServiceCollection AddLoadTest(this IServiceCollection services, LoadOptions options)
    {
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<LoadRunner>();
        return services;
    }
}
