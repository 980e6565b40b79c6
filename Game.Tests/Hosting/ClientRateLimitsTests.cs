using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Game.Server.Hosting;
using Game.Tests.Infrastructure;

namespace Game.Tests.Hosting;

/// <summary>A real server (real client addresses) with tiny limits: 3 at once, then 1 a minute.</summary>
public sealed class RateLimitedServerFixture : IAsyncLifetime
{
    /// <summary>The tiny limits, for other fixtures that need them with settings of their own.</summary>
    public static readonly IReadOnlyDictionary<string, string> TinyLimits = new Dictionary<string, string>
    {
        ["Game:RateLimits:Joins:Burst"] = "3",
        ["Game:RateLimits:Joins:PerMinute"] = "1",
        ["Game:RateLimits:Reads:Burst"] = "3",
        ["Game:RateLimits:Reads:PerMinute"] = "1",
    };

    public ServerProcess Server { get; } = new(new Dictionary<string, string>(TinyLimits));

    public Task InitializeAsync() => Server.StartAsync();

    public Task DisposeAsync() => Server.DisposeAsync().AsTask();
}

/// <summary>Per-client limits on joins and anonymous reads: a burst beyond the limit gets a clear 429 with Retry-After.</summary>
public sealed class ClientRateLimitsTests(RateLimitedServerFixture fixture) : IClassFixture<RateLimitedServerFixture>, IDisposable
{
    private readonly HttpClient _anonymous = new() { BaseAddress = new Uri(fixture.Server.BaseUrl) };
    private readonly GameClient _client = new(fixture.Server);

    public void Dispose()
    {
        _anonymous.Dispose();
        _client.Dispose();
    }

    [Fact]
    public async Task Join_BurstBeyondTheLimit_Answers429ProblemWithRetryAfter()
    {
        var game = await _client.CreateGameAsync();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 5; i++)
        {
            var response = await _anonymous.PostAsJsonAsync($"/api/games/{game.GameId}/players", new { nickname = $"p{i}" });
            statuses.Add(response.StatusCode);
            refused ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        await AssertTooManyAsync(refused!, "joins", "Joins");
    }

    [Fact]
    public async Task Reads_BurstBeyondTheLimit_Answers429ProblemWithRetryAfter_AcrossTheReadEndpoints()
    {
        var game = await _client.CreateGameAsync();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        foreach (var path in new[] { "scoreboard", "results", "qr.svg", "results.csv" })
        {
            var response = await _anonymous.GetAsync($"/api/games/{game.GameId}/{path}");
            statuses.Add(response.StatusCode);
            refused ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        await AssertTooManyAsync(refused!, "reads", "Reads");
    }

    [Theory]
    [InlineData("192.168.1.20", "192.168.1.20")]
    [InlineData("::ffff:192.168.1.20", "192.168.1.20")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void ClientKey_Address_IsTheClientsPartition(string address, string key) =>
        Assert.Equal(key, ClientRateLimits.ClientKey(IPAddress.Parse(address)));

    private static async Task AssertTooManyAsync(HttpResponseMessage refused, string policy, string setting)
    {
        Assert.Equal(TimeSpan.FromSeconds(60), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal(
            $"Too many requests of this kind ({policy}) from your address: try again in 60 s. The limits are Game:RateLimits:{setting}.",
            problem.GetProperty("detail").GetString());
    }
}
