using Game.Functions.Runtime;
using Game.Server.Functions.AsyncInvocations;

namespace Game.Server.Functions.ControlPlane;

public static class ControlPlaneExtensions
{
    /// <summary>
    /// The control plane: functions' configurations and event source mappings kept in the store, seeded from
    /// appsettings.json on first start, read by every node. Register it before the event sources: it must have
    /// read the store before their pollers start.
    /// </summary>
    public static IHostApplicationBuilder AddControlPlane(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ControlPlaneOptions>()
            .Bind(builder.Configuration.GetSection(ControlPlaneOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<FunctionConfigurations>();
        builder.Services.AddSingleton<IFunctionSettingsSource>(sp => sp.GetRequiredService<FunctionConfigurations>());
        builder.Services.AddHostedService<ControlPlaneSync>();
        return builder;
    }

    /// <summary>Lambda's control-plane operations, on the Invoke endpoint's SigV4 signature (<c>AddInvokeApi</c> registers it).</summary>
    public static IEndpointRouteBuilder MapControlPlane(this IEndpointRouteBuilder app) =>
        app.MapFunctionsApi().MapEventSourceMappingsApi().MapEventInvokeConfigApi();
}
