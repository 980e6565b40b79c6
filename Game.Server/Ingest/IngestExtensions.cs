using Game.Server.Ingest.Kinesis;
using Game.Server.Ingest.KinesisStream;
using Microsoft.Extensions.Options;

namespace Game.Server.Ingest;

public static class IngestExtensions
{
    /// <summary>
    /// The stream phones (over SignalR) and Kinesis producers write to: the embedded stream, and with
    /// <c>Ingest:Provider=Kinesis</c> a Kinesis stream, set up at start. <see cref="IRecordProducer"/> appends to
    /// whichever the provider names.
    /// </summary>
    public static IHostApplicationBuilder AddIngest(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>()
            .Bind(builder.Configuration.GetSection(IngestOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<IngestOptions>, IngestProviderValidator>();
        builder.Services.AddSingleton<IngestStream>();
        builder.Services.AddHealthChecks().AddCheck<StreamWriterHealthCheck>(StreamWriterHealthCheck.Name);
        builder.Services.AddKinesisStream();
        builder.AddKinesisApi();
        builder.Services.AddSingleton<EmbeddedRecordProducer>();
        builder.Services.AddSingleton<IRecordProducer>(provider =>
            provider.GetRequiredService<IOptions<IngestOptions>>().Value.Provider == IngestProvider.Kinesis
                ? provider.GetRequiredService<KinesisProducer>()
                : provider.GetRequiredService<EmbeddedRecordProducer>());
        return builder;
    }

    /// <summary>The embedded stream's Kinesis API (<c>POST /</c>), for producers that speak Kinesis.</summary>
    public static IEndpointRouteBuilder MapIngest(this IEndpointRouteBuilder app) => app.MapKinesisApi();
}
