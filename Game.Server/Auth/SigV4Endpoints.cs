using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Game.Server.Auth;

/// <summary>Registration and request capture shared by the endpoints that speak AWS protocols (Kinesis, Lambda).</summary>
public static class SigV4Endpoints
{
    /// <summary>
    /// A verifier for one AWS service name, keyed by it, over the key pairs of <see cref="AccessKeys"/> (the
    /// <c>Ingest:AccessKeyId</c> pair and <c>Auth:Keys</c>), which also authorizes what each request's route declares.
    /// </summary>
    public static IServiceCollection AddSigV4Verifier(this IServiceCollection services, string service)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddAccessKeys();
        return services.AddKeyedSingleton(service, (provider, _) =>
        {
            var keys = provider.GetRequiredService<AccessKeys>();
            return new SigV4Verifier(accessKeyId => keys.Find(accessKeyId)?.SecretAccessKey, provider.GetRequiredService<TimeProvider>())
            {
                Service = service,
                Authorize = keys.AuthorizeRoute,
            };
        });
    }

    /// <summary>The key pairs and their permissions (<c>Auth:Keys</c>), validated at start; registered once however often asked.</summary>
    public static IServiceCollection AddAccessKeys(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(AccessKeys)))
        {
            return services;
        }

        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        return services.AddSingleton<AccessKeys>();
    }

    /// <summary>
    /// What SigV4 signs of an HTTP request: the raw path and query as sent, the headers, and the body if given;
    /// with the IAM action its route declares and the route's values, for the authorization that follows.
    /// </summary>
    public static SigV4Request ToSigV4Request(this HttpContext context, ReadOnlyMemory<byte> body = default) => new(
        context.Request.Method,
        // The raw target as sent (what the client signed); a host that leaves it empty (TestServer) gets the decoded path.
        context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } rawTarget ? rawTarget.Split('?')[0] : context.Request.PathBase + context.Request.Path,
        context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : "",
        SignedHeaders(context),
        body,
        context.GetEndpoint()?.Metadata.GetMetadata<IamAction>(),
        context.Request.RouteValues);

    /// <summary>
    /// The request's headers as a client signed them. HTTP/2 has no Host header but the <c>:authority</c>
    /// pseudo-header, which HTTP/2 clients sign in its place (the JavaScript SDK's default Kinesis client does);
    /// Kestrel reports it only as Host, so it is added back under its own name for the canonical request.
    /// </summary>
    private static Dictionary<string, IReadOnlyList<string>> SignedHeaders(HttpContext context)
    {
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => (IReadOnlyList<string>)h.Value.Select(v => v ?? "").ToArray(), StringComparer.OrdinalIgnoreCase);
        if (HttpProtocol.IsHttp2(context.Request.Protocol))
        {
            headers.TryAdd(":authority", [context.Request.Host.Value ?? ""]);
        }

        return headers;
    }
}
