namespace Game.Server.Hosting;

/// <summary>What every feature stands on: settings, time, the data directory, HTTP/2 beside HTTP/1.1 on plain http,
/// connection buffers that do not outlive a burst of connections, answers to bad requests, the pages, health, trusted proxies, rate limits, security headers and the metrics endpoint.</summary>
public static class HostingExtensions
{
    public static IHostApplicationBuilder AddHosting(this IHostApplicationBuilder builder)
    {
        builder.AddSettingsBesideBinary();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DataDirectory>();
        builder.AddCleartextHttp2();
        builder.AddConnectionMemory();
        builder.AddBadRequestAnswers();
        builder.AddPagesAndHealth();
        builder.AddTrustedProxies();
        builder.AddClientRateLimits();
        builder.AddTelemetry();
        return builder;
    }

    /// <summary>
    /// The middleware every request passes, in order: the client's address and scheme from a trusted proxy before
    /// anything reads them, then headers so that even an error carries them.
    /// </summary>
    public static WebApplication UseHosting(this WebApplication app)
    {
        app.UseTrustedProxies();
        app.UseSecurityHeaders();
        app.UseBadRequestAnswers();
        app.UseClientRateLimits();
        return app;
    }

    public static WebApplication MapHosting(this WebApplication app)
    {
        app.MapPages();
        app.MapTelemetry();
        return app;
    }
}
