namespace Game.Server.Functions.AsyncInvocations;

public static class AsyncInvocationExtensions
{
    /// <summary>
    /// Event invocations as Lambda runs them: queued in the store (<see cref="IAsyncEventStore"/>) before the 202,
    /// run by every node's <see cref="AsyncEventWorker"/>, retried, given up on into the dead letters. Register it
    /// after the store and the control plane: its worker reads both from its first pass.
    /// </summary>
    public static IHostApplicationBuilder AddAsyncInvocations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AsyncInvocationOptions>()
            .Bind(builder.Configuration.GetSection(AsyncInvocationOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<AsyncInvocationMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(AsyncInvocationMetrics.MeterName));
        builder.Services.AddSingleton<AsyncEventQueue>();
        builder.Services.AddSingleton<IAsyncFunctionSettings, ControlPlaneAsyncSettings>();
        builder.Services.AddSingleton<IAsyncFunctionInvoker, GrainAsyncFunctionInvoker>();
        builder.Services.AddSingleton<AsyncEventWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AsyncEventWorker>());
        return builder;
    }
}
