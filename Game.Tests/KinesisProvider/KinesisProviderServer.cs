using System.Net;
using System.Net.Http.Json;
using Game.Server.Ingest.KinesisStream;
using Game.Tests.Infrastructure;
using Game.Tests.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.KinesisProvider;

/// <summary>
/// The real server in this process on a loopback port (Kestrel, so phones connect over real sockets) with
/// <c>Ingest:Provider=Kinesis</c> and the DynamoDB store on the test script's dynalite. The server's Kinesis client
/// goes through the given handlers (outermost first) to the endpoint, or to the given primary handler
/// when given (another in-process server's Kinesis API).
/// </summary>
public sealed class KinesisProviderServer : IAsyncDisposable
{
    private readonly InProcessServer _server;

    public KinesisProviderServer(
        string serviceUrl,
        string streamName,
        IReadOnlyDictionary<string, string?>? settings = null,
        string[]? scriptedFunctions = null,
        Func<HttpMessageHandler>? primary = null,
        params DelegatingHandler[] handlers)
    {
        var store = DynamoDbTestStore.UniqueOptions();
        var all = new Dictionary<string, string?>
        {
            ["Game:CountdownSeconds"] = "0",
            ["Ingest:Provider"] = "Kinesis",
            ["Ingest:StreamName"] = streamName,
            ["Ingest:ShardCount"] = "2",
            ["Ingest:Kinesis:ServiceUrl"] = serviceUrl,
            ["Ingest:Kinesis:AuthenticationRegion"] = "eu-west-1",
            ["Ingest:Kinesis:AccessKeyId"] = "AKIDKINESALITE",
            ["Ingest:Kinesis:SecretAccessKey"] = "kinesalite-secret",
            ["Ingest:Kinesis:ActiveTimeoutSeconds"] = "30",
            ["Storage:Provider"] = "DynamoDb",
            ["Storage:DynamoDb:ServiceUrl"] = store.ServiceUrl,
            ["Storage:DynamoDb:TablePrefix"] = store.TablePrefix,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        _server = new InProcessServer(all, scriptedFunctions ?? [], configureServices: services =>
        {
            var client = services.AddHttpClient(KinesisClient.HttpClientName);
            if (primary is not null)
            {
                client.ConfigurePrimaryHttpMessageHandler(primary);
            }

            foreach (var handler in handlers)
            {
                client.AddHttpMessageHandler(() => handler);
            }
        });
        // Port 0: Kestrel takes a free port as it binds (a port picked beforehand may be taken by a parallel test).
        _server.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>Where the server listens, once started.</summary>
    public string BaseUrl { get; private set; } = "";

    public string DataDirectory => _server.DataDirectory;

    public IServiceProvider Services => _server.Services;

    /// <summary>Starts the host (stream set-up included) and answers once it listens.</summary>
    public void Start()
    {
        _server.StartServer();
        var address = _server.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        BaseUrl = new Uri(address).GetLeftPart(UriPartial.Authority);
    }

    public HttpClient CreatePresenterClient() => new()
    {
        BaseAddress = new Uri(BaseUrl),
        DefaultRequestHeaders = { Authorization = new("Bearer", ServerProcess.TestPresenterKey) },
    };

    /// <summary>A running game with <paramref name="players"/> joined, alternating red and blue.</summary>
    public async Task<(string GameId, List<GameClient.JoinedPlayer> Players)> StartGameAsync(int players)
    {
        using var http = CreatePresenterClient();
        var created = await (await http.PostAsJsonAsync("/api/games", new { roundSeconds = 600 })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<GameClient.CreatedGame>();
        var joined = new List<GameClient.JoinedPlayer>();
        for (var i = 0; i < players; i++)
        {
            var response = await http.PostAsJsonAsync($"/api/games/{created!.GameId}/players", new { nickname = $"phone{i}", team = i % 2 == 0 ? "red" : "blue" });
            joined.Add((await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<GameClient.JoinedPlayer>())!);
        }

        (await http.PostAsync($"/api/games/{created!.GameId}/start", null)).EnsureSuccessStatusCode();
        return (created.GameId, joined);
    }

    /// <summary>
    /// Waits until every player's score is the expected one, then checks it once more a second later (a record
    /// counted twice would show by then); answers the scores last seen when they never match.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> WaitForScoresAsync(string gameId, IReadOnlyDictionary<string, long> expected, TimeSpan timeout)
    {
        using var http = CreatePresenterClient();
        var deadline = DateTime.UtcNow + timeout;
        Dictionary<string, long> seen;
        while (true)
        {
            seen = await ScoresAsync(http, gameId);
            if (Same(seen, expected) || DateTime.UtcNow >= deadline)
            {
                break;
            }

            await Task.Delay(100);
        }

        if (Same(seen, expected))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            seen = await ScoresAsync(http, gameId);
        }

        return seen;
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static async Task<Dictionary<string, long>> ScoresAsync(HttpClient http, string gameId) =>
        (await http.GetFromJsonAsync<GameClient.Scoreboard>($"/api/games/{gameId}/scoreboard"))!.Players.ToDictionary(p => p.PlayerId, p => p.Score);

    private static bool Same(IReadOnlyDictionary<string, long> a, IReadOnlyDictionary<string, long> b) =>
        a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out var v) && v == e.Value);
}
