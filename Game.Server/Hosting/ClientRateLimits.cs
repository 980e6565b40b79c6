using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Game.Server.Hosting;

/// <summary>One client's allowance: a bucket of <see cref="Burst"/> requests that refills at <see cref="PerMinute"/>.</summary>
public sealed class ClientRateLimit
{
    /// <summary>Requests a client may make at once, from a full bucket.</summary>
    public int Burst { get; set; }

    /// <summary>Requests per minute the bucket refills with, continuously (a sustained client gets this many).</summary>
    public int PerMinute { get; set; }
}

/// <summary>
/// Per-client limits on the anonymous endpoints (<c>Game:RateLimits</c>), a client being its remote address (an IPv6
/// client its /64, which one device usually owns whole), or the client a trusted proxy forwards for
/// (<see cref="TrustedProxyOptions"/>). A hall is often one address to the server (the venue's NAT, or a proxy that
/// is not trusted), so the defaults let a full hall through.
/// </summary>
public sealed class ClientRateLimitOptions
{
    public const string Section = "Game:RateLimits";

    /// <summary>
    /// Joins (<c>POST /api/games/{code}/players</c>). Default 5,000 at once and 5,000 a minute: 2,000 phones behind
    /// one venue address joining within seconds, their reloads, and the load tool's 5,000 idle phones from one
    /// machine. The per-game player cap is the tighter defence of one game.
    /// </summary>
    public ClientRateLimit Joins { get; set; } = new() { Burst = 5_000, PerMinute = 5_000 };

    /// <summary>
    /// Anonymous reads (scoreboard, results, results.csv, the join QR code). Default 2,000 at once and 2,000 a minute:
    /// every phone of a 2,000-phone hall can load the results at the same moment; one script gets about 33 a second.
    /// </summary>
    public ClientRateLimit Reads { get; set; } = new() { Burst = 2_000, PerMinute = 2_000 };

    internal bool IsValid => Joins is { Burst: > 0, PerMinute: > 0 } && Reads is { Burst: > 0, PerMinute: > 0 };
}

/// <summary>
/// ASP.NET Core's rate limiter with one policy per kind of anonymous request, applied by name on the endpoints
/// (<c>.RequireRateLimiting(ClientRateLimits.Joins)</c>). A refused request answers 429 problem+json with
/// <c>Retry-After</c> (whole seconds until the bucket holds a request again).
/// </summary>
public static partial class ClientRateLimits
{
    /// <summary>The policy for joining a game.</summary>
    public const string Joins = "joins";

    /// <summary>The policy for anonymous reads of a game.</summary>
    public const string Reads = "reads";

    public static IHostApplicationBuilder AddClientRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ClientRateLimitOptions>()
            .Bind(builder.Configuration.GetSection(ClientRateLimitOptions.Section))
            .Validate(o => o.IsValid, $"{ClientRateLimitOptions.Section}: every Burst and PerMinute must be 1 or more.")
            .ValidateOnStart();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RejectAsync;
            limiter.AddPolicy(Joins, context => Partition(context, Limit(context, Joins)));
            limiter.AddPolicy(Reads, context => Partition(context, Limit(context, Reads)));
        });
        return builder;
    }

    public static IApplicationBuilder UseClientRateLimits(this IApplicationBuilder app) => app.UseRateLimiter();

    /// <summary>The partition a request counts against: its client's address (IPv6: the /64).</summary>
    internal static string ClientKey(IPAddress? address)
    {
        if (address is null)
        {
            // No network connection (an in-process test host): one shared partition.
            return "";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            bytes[8..].Clear();
            return new IPAddress(bytes).ToString() + "/64";
        }

        return address.ToString();
    }

    private static ClientRateLimit Limit(HttpContext context, string policy)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<ClientRateLimitOptions>>().Value;
        return policy == Joins ? options.Joins : options.Reads;
    }

    private static RateLimitPartition<string> Partition(HttpContext context, ClientRateLimit limit) =>
        RateLimitPartition.GetTokenBucketLimiter(ClientKey(context.Connection.RemoteIpAddress), _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst,
            // Refilled continuously in proportion to the time passed (checked every 100 ms), not a minute's worth at once.
            TokensPerPeriod = limit.PerMinute,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var policy = context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName ?? Reads;
        var limit = Limit(context, policy);
        // One request's worth of refill; the lease's own figure is a whole replenishment period (a minute).
        var retryAfter = (int)Math.Max(1, Math.Ceiling(60.0 / limit.PerMinute));
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        LogRejected(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClientRateLimits).FullName!), policy, ClientKey(context.Connection.RemoteIpAddress));
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"Too many requests of this kind ({policy}) from your address: try again in {retryAfter} s. The limits are {ClientRateLimitOptions.Section}:{Capitalized(policy)}.",
            },
        });
    }

    private static string Capitalized(string policy) => char.ToUpperInvariant(policy[0]) + policy[1..];

    [LoggerMessage(Level = LogLevel.Debug, Message = "Refused a request over the {Policy} limit from {Client}")]
    private static partial void LogRejected(ILogger logger, string policy, string client);
}
