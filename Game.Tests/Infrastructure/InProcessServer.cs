using System.Collections.Concurrent;
using Game.Functions.Runtime;
using Game.Server.EventSources;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Infrastructure;

/// <summary>
/// The real host (Program) in this process, with extra functions from the tests registered through the same
/// <c>AddKinesisFunction</c> the server uses, and their mappings from configuration. Used where a test needs to
/// reach inside (append to the stream directly, script a function); everything else uses <see cref="ServerProcess"/>.
/// </summary>
public sealed class InProcessServer : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly string[] _scriptedFunctions;
    private readonly string[] _windowFunctions;
    private readonly Action<IServiceCollection>? _configureServices;

    /// <param name="settings">Configuration on top of the test defaults.</param>
    /// <param name="scriptedFunctions">Names of <see cref="ScriptedFunction"/> functions to register.</param>
    /// <param name="dataDirectory">The data directory; a fresh temporary one when null.</param>
    /// <param name="windowFunctions">Names of <see cref="CountingWindowFunction"/> functions to register.</param>
    /// <param name="configureServices">Replaces services after the host's own registrations (a test's HTTP handler, credentials).</param>
    public InProcessServer(
        IReadOnlyDictionary<string, string?> settings,
        string[] scriptedFunctions,
        string? dataDirectory = null,
        string[]? windowFunctions = null,
        Action<IServiceCollection>? configureServices = null)
    {
        _windowFunctions = windowFunctions ?? [];
        _configureServices = configureServices;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "game-inproc-" + Guid.NewGuid().ToString("N")[..12]);
        _scriptedFunctions = scriptedFunctions;
        _settings = new Dictionary<string, string?>
        {
            ["Game:DataDirectory"] = DataDirectory,
            ["Game:PresenterKey"] = ServerProcess.TestPresenterKey,
            ["Orleans:SiloPort"] = ServerProcess.FreePort().ToString(),
            ["Orleans:GatewayPort"] = ServerProcess.FreePort().ToString(),
            ["Orleans:ClusterId"] = "inproc-" + Guid.NewGuid().ToString("N")[..8],
        };
        foreach (var (key, value) in settings)
        {
            _settings[key] = value;
        }
    }

    public string DataDirectory { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(_settings).Build();
            foreach (var name in _scriptedFunctions)
            {
                services.AddKinesisFunction<ScriptedFunction>(name, configuration);
            }

            foreach (var name in _windowFunctions)
            {
                services.AddKinesisFunction<CountingWindowFunction>(name, configuration);
            }

            _configureServices?.Invoke(services);
        });
    }
}

/// <summary>
/// A function whose behaviour a test scripts per function name, and which remembers every batch it was handed.
/// </summary>
public sealed class ScriptedFunction : IKinesisFunction
{
    public static readonly ConcurrentDictionary<string, Func<KinesisEvent, ILambdaContext, Task<StreamsEventResponse>>> Behaviours = new();

    public static readonly ConcurrentDictionary<string, ConcurrentQueue<KinesisEvent>> Invocations = new();

    public static IReadOnlyList<KinesisEvent> InvocationsOf(string functionName) =>
        Invocations.TryGetValue(functionName, out var queue) ? queue.ToArray() : [];

    public async Task<StreamsEventResponse> FunctionHandler(KinesisEvent kinesisEvent, ILambdaContext context)
    {
        Invocations.GetOrAdd(context.FunctionName, _ => new()).Enqueue(kinesisEvent);
        return Behaviours.TryGetValue(context.FunctionName, out var behaviour)
            ? await behaviour(kinesisEvent, context)
            : new StreamsEventResponse();
    }
}

/// <summary>A tumbling-window function that counts its window's records in its state and remembers every event.</summary>
public sealed class CountingWindowFunction : ITumblingWindowFunction
{
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<KinesisTimeWindowEvent>> Events = new();

    public Task<KinesisTimeWindowResponse> FunctionHandler(KinesisTimeWindowEvent windowEvent, ILambdaContext context)
    {
        Events.GetOrAdd(context.FunctionName, _ => new()).Enqueue(windowEvent);
        var count = windowEvent.State.TryGetValue("count", out var value) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return Task.FromResult(new KinesisTimeWindowResponse
        {
            State = new Dictionary<string, string> { ["count"] = (count + windowEvent.Records.Count).ToString(System.Globalization.CultureInfo.InvariantCulture) },
        });
    }
}
