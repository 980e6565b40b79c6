using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace Game.Server.Hosting;

/// <summary>The reverse proxies (load balancers) whose forwarded headers name the client (<c>Hosting:TrustedProxies</c>).</summary>
public sealed class TrustedProxyOptions
{
    public const string Setting = "Hosting:TrustedProxies";

    /// <summary>
    /// Addresses (<c>127.0.0.1</c>) or networks in CIDR (<c>10.0.0.0/24</c>), as a list or one comma-separated value.
    /// Default: none, and then no forwarded header is read: a server that clients reach directly must not let a
    /// script name any address it likes in <c>X-Forwarded-For</c> and so escape the per-client limits.
    /// </summary>
    public IReadOnlyList<string> Proxies { get; set; } = [];

    /// <summary>The networks <see cref="Proxies"/> names (an address is a network of one); null for an entry that is neither.</summary>
    internal static IPNetwork? Parse(string entry)
    {
        entry = entry.Trim();
        if (IPAddress.TryParse(entry, out var address))
        {
            return new IPNetwork(address, address.GetAddressBytes().Length * 8);
        }

        return IPNetwork.TryParse(entry, out var network) ? network : null;
    }

    /// <summary>The entries of the setting: its children (a list), or its value split at commas.</summary>
    internal static IReadOnlyList<string> Entries(IConfigurationSection section) =>
        [.. (section.Value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
         .. section.GetChildren().Select(child => child.Value?.Trim()).OfType<string>().Where(value => value.Length > 0)];
}

/// <summary>
/// Behind a load balancer every client reaches the server as the balancer: the per-client rate limits become one
/// bucket for the whole hall, and loopback-only rights (<c>/metrics</c> without a key, deploying with the published
/// development key pair) open to everyone when the balancer runs on the same machine. With
/// <see cref="TrustedProxyOptions.Setting"/> set, a request from one of those proxies counts as the client its
/// <c>X-Forwarded-For</c> names, before anything else looks at the address.
/// </summary>
public static partial class TrustedProxies
{
    public static IHostApplicationBuilder AddTrustedProxies(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TrustedProxyOptions>()
            .Configure(options => options.Proxies = TrustedProxyOptions.Entries(builder.Configuration.GetSection(TrustedProxyOptions.Setting)))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TrustedProxyOptions>, TrustedProxyValidator>();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((forwarded, trusted) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The last entry only: the one the proxy itself added. Earlier entries came with the request and anybody
            // can write them.
            forwarded.ForwardLimit = 1;
            // The defaults trust loopback; only the configured proxies are trusted.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var entry in trusted.Value.Proxies)
            {
                // Validated: every entry parses.
                forwarded.KnownIPNetworks.Add(TrustedProxyOptions.Parse(entry)!.Value);
            }
        });
        return builder;
    }

    /// <summary>
    /// Reads the forwarded headers when proxies are trusted, and does nothing else: the middleware with no known proxy
    /// at all would believe every client.
    /// </summary>
    public static WebApplication UseTrustedProxies(this WebApplication app)
    {
        var trusted = app.Services.GetRequiredService<IOptions<TrustedProxyOptions>>().Value;
        if (trusted.Proxies.Count > 0)
        {
            LogTrusting(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TrustedProxies).FullName!), string.Join(", ", trusted.Proxies));
            app.UseForwardedHeaders();
        }

        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Requests from {Proxies} (" + TrustedProxyOptions.Setting + ") count as the client their X-Forwarded-For names, with the scheme of X-Forwarded-Proto")]
    private static partial void LogTrusting(ILogger logger, string proxies);
}

/// <summary>Stops the start on an entry that is neither an address nor a network, naming it.</summary>
internal sealed class TrustedProxyValidator : IValidateOptions<TrustedProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, TrustedProxyOptions options) =>
        options.Proxies.Where(entry => TrustedProxyOptions.Parse(entry) is null).Select(entry => $"'{entry}'").ToList() is { Count: > 0 } bad
            ? ValidateOptionsResult.Fail($"{TrustedProxyOptions.Setting}: {string.Join(", ", bad)} is not an IP address (127.0.0.1) or a network in CIDR (10.0.0.0/24).")
            : ValidateOptionsResult.Success;
}
