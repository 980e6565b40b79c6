using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Game.Server.Ingest.KinesisStream;

public static class KinesisStreamExtensions
{
    /// <summary>
    /// The Kinesis client, the stream set-up and the Kinesis producer. Everything is built on first use, so with
    /// <c>Ingest:Provider=Embedded</c> none of it runs. The client's HTTP handler and credentials are services
    /// (<see cref="KinesisClient.HttpClientName"/>, keyed <see cref="KinesisClient.CredentialsKey"/>), so a host
    /// or a test can replace them.
    /// </summary>
    public static IServiceCollection AddKinesisStream(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(KinesisClient.HttpClientName)
            // The client is a singleton: recycle pooled connections so DNS changes of the endpoint are seen.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // The event sources poll every shard several times a second: HttpClient's four Information lines per
            // call would drown the log. Failures are logged by the client and its callers.
            .RemoveAllLoggers();
        services.TryAddKeyedSingleton<AWSCredentials>(KinesisClient.CredentialsKey, (provider, _) =>
        {
            var kinesis = provider.GetRequiredService<IOptions<IngestOptions>>().Value.Kinesis;
            return kinesis is { AccessKeyId: { Length: > 0 } key, SecretAccessKey: { Length: > 0 } secret }
                ? new BasicAWSCredentials(key, secret)
                : new DefaultChainCredentials();
        });
        services.TryAddSingleton(provider => new KinesisClient(
            provider.GetRequiredService<IHttpClientFactory>().CreateClient(KinesisClient.HttpClientName),
            provider.GetRequiredService<IOptions<IngestOptions>>().Value.Kinesis,
            provider.GetRequiredKeyedService<AWSCredentials>(KinesisClient.CredentialsKey),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<KinesisClient>>()));
        services.TryAddSingleton<KinesisStreamSetup>();
        services.TryAddSingleton<KinesisProducer>();
        services.AddHostedService<KinesisStreamStartup>();
        return services;
    }
}
