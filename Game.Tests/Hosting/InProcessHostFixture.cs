using Game.Server.Hosting;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace Game.Tests.Hosting;

/// <summary>
/// One in-process server (TestServer, no network) with every log entry captured and a metrics key set, shared by the
/// hosting tests that look at responses and logs rather than at sockets.
/// </summary>
public sealed class InProcessHostFixture : IAsyncLifetime
{
    public const string MetricsKey = "test-metrics-key";

    private readonly InProcessServer _server = new(new Dictionary<string, string?> { [Telemetry.MetricsKeySetting] = MetricsKey }, []);

    public CapturedLogs Logs { get; } = new();

    public WebApplicationFactory<Program> Host { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Host = _server.WithWebHostBuilder(web => web.ConfigureLogging(logging => logging.AddProvider(Logs)));
        // Starts the host.
        Host.CreateClient().Dispose();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_server.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class InProcessHostCollection : ICollectionFixture<InProcessHostFixture>
{
    public const string Name = "In-process host";
}
