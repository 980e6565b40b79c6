namespace Game.Server.Ingest;

public static class IngestExtensions
{
    /// <summary>The embedded stream that phones (over SignalR) and Kinesis producers write to.</summary>
    public static IHostApplicationBuilder AddIngest(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>()
            .Bind(builder.Configuration.GetSection(IngestOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IngestStream>();
        builder.Services.AddHealthChecks().AddCheck<StreamWriterHealthCheck>(StreamWriterHealthCheck.Name);
        return builder;
    }
}
