namespace Game.Server.Hosting;

/// <summary>
/// Security headers on every response. The pages load only their own scripts, styles and images (the QR code is
/// <c>/api/games/{code}/qr.svg</c>, the favicon a <c>data:</c> URL), set styles only through the DOM (never inline
/// <c>style</c> attributes or <c>&lt;style&gt;</c>), and connect only back to this server (fetch, SignalR over
/// WebSockets), so the policy allows exactly that. Nothing may frame a page (clickjacking the presenter's buttons),
/// no referrer leaves (the presenter URL carries its key), and no response is sniffed into another type.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>The pages' policy, apart from <c>connect-src</c>, which names this host's WebSocket origins (see <see cref="ConnectSources"/>).</summary>
    internal const string PagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; manifest-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Everything else (JSON, the SVG, the scripts themselves): nothing to run, nothing to frame.</summary>
    internal const string OtherPolicy = "default-src 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        // At start of the response, so the headers survive an exception handler that clears them.
        context.Response.OnStarting(static state =>
        {
            var context = (HttpContext)state;
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true
                ? $"{PagePolicy}; connect-src {ConnectSources(context.Request)}"
                : OtherPolicy;
            return Task.CompletedTask;
        }, context);
        return next(context);
    });

    /// <summary>
    /// 'self', and this host's ws:/wss: origins spelt out: browsers that predate CSP level 3 do not count a WebSocket
    /// to the page's own host as 'self' (Safari before 15.4, still on some phones in a hall).
    /// </summary>
    internal static string ConnectSources(HttpRequest request) =>
        request.Host.HasValue ? $"'self' ws://{request.Host.Value} wss://{request.Host.Value}" : "'self'";
}
