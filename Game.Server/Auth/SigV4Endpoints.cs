using Game.Server.Ingest;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Game.Server.Auth;

/// <summary>Registration and request capture shared by the endpoints that speak AWS protocols (Kinesis, Lambda).</summary>
public static class SigV4Endpoints
{
    /// <summary>A verifier for one AWS service name, keyed by it, over the ingest key pair (<c>Ingest:AccessKeyId</c>/<c>SecretAccessKey</c>).</summary>
    public static IServiceCollection AddSigV4Verifier(this IServiceCollection services, string service)
    {
        services.TryAddSingleton(TimeProvider.System);
        return services.AddKeyedSingleton(service, (provider, _) =>
        {
            var options = provider.GetRequiredService<IOptions<IngestOptions>>().Value;
            return new SigV4Verifier(
                accessKeyId => accessKeyId == options.AccessKeyId ? options.SecretAccessKey : null,
                provider.GetRequiredService<TimeProvider>()) { Service = service };
        });
    }

    /// <summary>What SigV4 signs of an HTTP request: the raw path and query as sent, the headers, and the body if given.</summary>
    public static SigV4Request ToSigV4Request(this HttpContext context, ReadOnlyMemory<byte> body = default) => new(
        context.Request.Method,
        context.Features.Get<IHttpRequestFeature>()?.RawTarget.Split('?')[0] ?? context.Request.Path.ToString(),
        context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : "",
        context.Request.Headers.ToDictionary(h => h.Key, h => (IReadOnlyList<string>)h.Value.Select(v => v ?? "").ToArray(), StringComparer.OrdinalIgnoreCase),
        body);
}
