using System.Net;
using System.Net.Http.Json;
using Game.Tests.Infrastructure;

namespace Game.Tests.Cluster;

/// <summary>One node behind the real HAProxy (the repository's configuration), set up as ./scripts/cluster sets its nodes.</summary>
public sealed class BalancedNodeFixture : IAsyncLifetime
{
    public const int JoinBurst = 5;

    public ServerProcess Node { get; } = new(new Dictionary<string, string>(LoadBalancerProcess.NodeSettings)
    {
        ["Game:RateLimits:Joins:Burst"] = JoinBurst.ToString(),
        ["Game:RateLimits:Joins:PerMinute"] = "1",
    });

    public LoadBalancerProcess Balancer { get; } = new();

    public async Task InitializeAsync()
    {
        try
        {
            await Node.StartAsync();
            await Balancer.StartAsync([Node]);
        }
        catch
        {
            // xunit does not dispose a fixture whose InitializeAsync failed: a started process would outlive the run.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await Balancer.DisposeAsync();
        await Node.DisposeAsync();
    }
}

/// <summary>
/// The attack: one script in the hall floods joins through the balancer. Before the node read HAProxy's
/// X-Forwarded-For, every phone reached it as 127.0.0.1, so the script's flood used up the whole hall's bucket.
/// Clients here are 127.0.0.2 and 127.0.0.3 (both routed to lo), two phones to HAProxy.
/// </summary>
public sealed class LoadBalancerClientAddressTests(BalancedNodeFixture fixture) : IClassFixture<BalancedNodeFixture>
{
    private static readonly HttpStatusCode[] BurstThenRefused =
        [.. Enumerable.Repeat(HttpStatusCode.OK, BalancedNodeFixture.JoinBurst), HttpStatusCode.TooManyRequests];

    [Fact]
    public async Task Joins_OneClientExhaustsItsLimitThroughHAProxy_AnotherStillJoins_AndCannotBeImpersonated()
    {
        using var game = new GameClient(fixture.Node);
        var gameId = (await game.CreateGameAsync()).GameId;
        using var script = FromAddress.Client("127.0.0.2", fixture.Balancer.BaseUrl);
        using var phone = FromAddress.Client("127.0.0.3", fixture.Balancer.BaseUrl);

        var flood = await JoinsAsync(script, gameId, BurstThenRefused.Length);
        // The script names the other phone; HAProxy drops that and forwards the address it saw.
        var impersonating = await JoinsAsync(script, gameId, 1, forwardedFor: "127.0.0.3");
        var other = await JoinsAsync(phone, gameId, BurstThenRefused.Length);

        Assert.Equal(BurstThenRefused, flood);
        Assert.Equal([HttpStatusCode.TooManyRequests], impersonating);
        Assert.Equal(BurstThenRefused, other);
    }

    private static async Task<List<HttpStatusCode>> JoinsAsync(HttpClient http, string gameId, int count, string? forwardedFor = null)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/games/{gameId}/players")
            {
                Content = JsonContent.Create(new { nickname = $"p{Guid.NewGuid():N}"[..10] }),
            };
            if (forwardedFor is not null)
            {
                request.Headers.Add("X-Forwarded-For", forwardedFor);
            }

            using var response = await http.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }
}
