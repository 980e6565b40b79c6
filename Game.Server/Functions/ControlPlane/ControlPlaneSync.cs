using System.ComponentModel.DataAnnotations;
using Game.Functions.Runtime;
using Game.Server.EventSources;
using Game.Server.EventSources.Sources;
using Microsoft.Extensions.Options;

namespace Game.Server.Functions.ControlPlane;

/// <summary>
/// Brings the control plane up on this node, before any mapping's poller starts: seeds the store from
/// appsettings.json on first start (each registered function whose configuration the store does not hold yet,
/// with its mapping), reads it, exports Errors and Throttles as 0 for every function, then re-reads the store every
/// <see cref="ControlPlaneOptions.RefreshIntervalSeconds"/>.
/// </summary>
/// <remarks>
/// Seeding is conditional (create only): of several nodes starting together, one writes each function, and only
/// the node that wrote a function writes its mapping, so there is never a second. A function already in the store
/// keeps what the store says, whatever appsettings.json says now: the Lambda API changed it since.
/// </remarks>
public sealed partial class ControlPlaneSync(
    FunctionConfigurations configurations,
    IControlPlaneStore store,
    FunctionCatalog catalog,
    FunctionMetrics metrics,
    IServiceProvider services,
    IConfiguration configuration,
    IOptionsMonitor<EventSourceMappingOptions> mappingOptions,
    IOptions<ControlPlaneOptions> options,
    TimeProvider time,
    ILogger<ControlPlaneSync> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _refreshing;

    /// <summary>A function that takes its events from the stream, and so has a mapping.</summary>
    public static bool IsStreamFed(FunctionRegistration registration) =>
        typeof(IKinesisFunction).IsAssignableFrom(registration.Implementation)
        || typeof(ITumblingWindowFunction).IsAssignableFrom(registration.Implementation);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await SeedAsync(cancellationToken);
        await configurations.RefreshAsync(cancellationToken);
        foreach (var registration in catalog.All)
        {
            metrics.Announce(registration.Name);
        }

        _refreshing = Task.Run(() => RefreshLoopAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_refreshing is not null)
        {
            await _refreshing.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RefreshLoopAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.RefreshIntervalSeconds);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, cancellationToken);
                await configurations.RefreshAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The store is away: keep applying what was read last, and read again next time.
                LogRefreshFailed(logger, ex);
            }
        }
    }

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        var stored = (await store.ListAsync(ControlPlaneKinds.Function, cancellationToken)).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var streamName = services.GetService<IShardSource>()?.StreamName;
        var now = time.GetUtcNow();
        foreach (var registration in catalog.All.Where(r => !stored.Contains(r.Name)).OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            var section = configuration.GetSection($"{EventSourceMappingOptions.Section}:{registration.Name}");
            var mapping = IsStreamFed(registration) ? mappingOptions.Get(registration.Name) : null;
            var function = new FunctionConfiguration
            {
                FunctionName = registration.Name,
                Timeout = (int)registration.Timeout.TotalSeconds,
                MemorySize = section.GetValue("MemorySize", FunctionSettings.DefaultMemorySize),
                Environment = section.GetSection("Environment").GetChildren().ToDictionary(c => c.Key, c => c.Value ?? "", StringComparer.Ordinal),
                ReservedConcurrentExecutions = mapping?.ReservedConcurrentExecutions is > 0 and var reserved ? reserved : null,
                LastModified = now,
            };
            if (FunctionValidation.Check(function) is { } error)
            {
                throw new ValidationException($"{EventSourceMappingOptions.Section}:{registration.Name}: {error}");
            }

            if (await configurations.PutFunctionAsync(function, 0, cancellationToken) is null)
            {
                // Another node seeded it first, mapping included.
                continue;
            }

            LogSeeded(logger, registration.Name);
            if (mapping is not null && streamName is not null)
            {
                await configurations.PutMappingAsync(new EventSourceMapping
                {
                    Uuid = Guid.NewGuid().ToString(),
                    FunctionName = registration.Name,
                    StreamName = streamName,
                    Options = mapping,
                    State = mapping.Enabled ? MappingStates.Enabled : MappingStates.Disabled,
                    LastModified = now,
                }, 0, cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded the control plane's configuration of {Function} from appsettings.json")]
    private static partial void LogSeeded(ILogger logger, string function);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the control plane's configuration from the store failed; keeping the last one read")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
