using System.Net;
using System.Text.Json;
using Game.Functions.Contracts;
using Game.Server.Hosting;
using Game.Tests.Infrastructure;
using Game.Tests.Invoke;
using Microsoft.Extensions.Configuration;

namespace Game.Tests.Hosting;

/// <summary>A real server behind a proxy on 127.0.0.1 it trusts, with tiny limits: 3 at once, then 1 a minute.</summary>
public sealed class TrustedProxyServerFixture : IAsyncLifetime
{
    public const string Proxy = "127.0.0.1";

    public ServerProcess Server { get; } = new(new Dictionary<string, string>(RateLimitedServerFixture.TinyLimits)
    {
        [TrustedProxyOptions.Setting] = Proxy,
    });

    public Task InitializeAsync() => Server.StartAsync();

    public Task DisposeAsync() => Server.DisposeAsync().AsTask();
}

/// <summary>
/// The attacks of a hall behind a load balancer on the server's machine. Without trusted proxies a script must not
/// escape its limit by naming another address in <c>X-Forwarded-For</c>; with the balancer trusted, every client is
/// its own (its own bucket, and no loopback rights for a client that is not on this machine).
/// </summary>
public sealed class TrustedProxiesTests(RateLimitedServerFixture direct, TrustedProxyServerFixture behindProxy)
    : IClassFixture<RateLimitedServerFixture>, IClassFixture<TrustedProxyServerFixture>
{
    private const string HallClient = "203.0.113.7";

    // Not a zip: a deploy that gets past every permission check is answered by the package check instead.
    private static readonly object NotAZip = new { ZipFile = Convert.ToBase64String("not a zip"u8.ToArray()) };

    [Fact]
    public async Task Reads_NoTrustedProxies_ASpoofedForwardedForOnEveryRequest_StillExhaustTheClientsOwnBucket()
    {
        var statuses = await ReadsAsync(direct.Server, "127.0.0.4", Enumerable.Range(1, 5).Select(i => $"203.0.113.{i}"));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Reads_TwoClientsForwardedByTheTrustedProxy_EachHaveTheirOwnBucket()
    {
        var first = await ReadsAsync(behindProxy.Server, TrustedProxyServerFixture.Proxy, Enumerable.Repeat("198.51.100.1", 4));
        var second = await ReadsAsync(behindProxy.Server, TrustedProxyServerFixture.Proxy, Enumerable.Repeat("198.51.100.2", 4));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], first);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], second);
    }

    [Fact]
    public async Task Reads_ForwardedForFromAnotherLoopbackAddressThanTheTrustedProxy_IsIgnored()
    {
        // ASP.NET Core's forwarded-headers middleware trusts all of 127.0.0.0/8 unless told otherwise.
        var statuses = await ReadsAsync(behindProxy.Server, "127.0.0.5", Enumerable.Range(1, 5).Select(i => $"203.0.113.{i}"));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.OK)]
    [InlineData(HallClient, HttpStatusCode.Unauthorized)]
    // Entries before the proxy's own came with the request: anybody can write "127.0.0.1" there.
    [InlineData("127.0.0.1, " + HallClient, HttpStatusCode.Unauthorized)]
    public async Task Metrics_NoKey_AnswersOnlyWhenTheForwardedClientIsThisMachine(string? forwardedFor, HttpStatusCode expected)
    {
        using var http = FromAddress.Client(TrustedProxyServerFixture.Proxy, behindProxy.Server.BaseUrl);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task CreateFunction_DevelopmentKeyForwardedForAHallClient_IsAccessDenied()
    {
        using var http = FromAddress.Client(TrustedProxyServerFixture.Proxy, behindProxy.Server.BaseUrl);
        var create = new { FunctionName = "mine", Runtime = "dotnet8", Role = "arn:aws:iam::000000000000:role/any", Code = NotAZip };

        var fromHall = await new SignedLambdaRequests(http).SendAsync(HttpMethod.Post, "/2015-03-31/functions", create, ("X-Forwarded-For", HallClient));
        var fromHere = await new SignedLambdaRequests(http).SendAsync(HttpMethod.Post, "/2015-03-31/functions", create, ("X-Forwarded-For", "127.0.0.1"));

        Assert.Equal(403, fromHall.Status);
        Assert.StartsWith("CreateFunction with the published development key pair (AKIDGAMELOCAL) is allowed only from this machine", fromHall.Body.GetProperty("Message").GetString());
        Assert.Equal(400, fromHere.Status);
        Assert.Equal("InvalidParameterValueException", fromHere.Body.GetProperty("__type").GetString());
    }

    [Fact]
    public async Task PhoneHub_RefusedConnectionForwardedForAClient_LogsTheClientNotTheProxy()
    {
        using var http = FromAddress.Client(TrustedProxyServerFixture.Proxy, behindProxy.Server.BaseUrl);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{HubPaths.Phone}/negotiate?negotiateVersion=1");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Refused a phone connection from 203.0.113.9: no player token", await OutputWithAsync(behindProxy.Server, "203.0.113.9"));
    }

    [Fact]
    public async Task JoinLink_ForwardedProtoHttps_LinksPhonesToHttps()
    {
        var game = await CreateGameAsync(behindProxy.Server);
        using var http = FromAddress.Client(TrustedProxyServerFixture.Proxy, behindProxy.Server.BaseUrl);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/games/{game}/join-link");
        request.Headers.Host = "game.example.org";
        request.Headers.Add("X-Forwarded-For", HallClient);
        request.Headers.Add("X-Forwarded-Proto", "https");

        using var response = await http.SendAsync(request);

        var link = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal($"https://game.example.org/play?game={game}", link.GetProperty("joinUrl").GetString());
    }

    [Fact]
    public async Task Start_TrustedProxiesSet_LogsThem() =>
        Assert.Contains(
            "Requests from 127.0.0.1 (Hosting:TrustedProxies) count as the client their X-Forwarded-For names",
            await OutputWithAsync(behindProxy.Server, "Hosting:TrustedProxies"));

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1/32")]
    [InlineData(" 10.0.0.0/24 ", "10.0.0.0/24")]
    [InlineData("::1", "::1/128")]
    [InlineData("fd00::/8", "fd00::/8")]
    // .NET reads an address with a prefix as its network, as ip(8) does.
    [InlineData("10.0.0.5/24", "10.0.0.0/24")]
    [InlineData("10.0.0.0/33", null)]
    [InlineData("haproxy.internal", null)]
    public void Parse_Entry_IsTheNetworkItNames(string entry, string? network) =>
        Assert.Equal(network, TrustedProxyOptions.Parse(entry)?.ToString());

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("127.0.0.1, 10.0.0.0/24", "127.0.0.1|10.0.0.0/24")]
    [InlineData("", "")]
    public void Entries_OneValue_IsSplitAtCommas(string value, string entries) =>
        Assert.Equal(entries, string.Join('|', TrustedProxyOptions.Entries(Section(new() { [TrustedProxyOptions.Setting] = value }))));

    [Fact]
    public void Entries_AList_IsEveryItem() =>
        Assert.Equal(["127.0.0.1", "10.0.0.0/24"], TrustedProxyOptions.Entries(Section(new()
        {
            [$"{TrustedProxyOptions.Setting}:0"] = "127.0.0.1",
            [$"{TrustedProxyOptions.Setting}:1"] = "10.0.0.0/24",
        })));

    [Fact]
    public void Validate_AnEntryThatIsNoAddress_FailsNamingIt()
    {
        var result = new TrustedProxyValidator().Validate(null, new TrustedProxyOptions { Proxies = ["127.0.0.1", "haproxy.internal"] });

        Assert.Equal(
            "Hosting:TrustedProxies: 'haproxy.internal' is not an IP address (127.0.0.1) or a network in CIDR (10.0.0.0/24).",
            result.FailureMessage);
    }

    /// <summary>Anonymous reads of one game's scoreboard from <paramref name="source"/>, one per forwarded address.</summary>
    private static async Task<List<HttpStatusCode>> ReadsAsync(ServerProcess server, string source, IEnumerable<string> forwardedFor)
    {
        var game = await CreateGameAsync(server);
        using var http = FromAddress.Client(source, server.BaseUrl);
        var statuses = new List<HttpStatusCode>();
        foreach (var client in forwardedFor)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/games/{game}/scoreboard");
            request.Headers.Add("X-Forwarded-For", client);
            using var response = await http.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }

    private static async Task<string> CreateGameAsync(ServerProcess server)
    {
        using var client = new GameClient(server);
        return (await client.CreateGameAsync()).GameId;
    }

    /// <summary>The console logger writes on its own thread: wait for the line rather than for a fixed time.</summary>
    private static async Task<string> OutputWithAsync(ServerProcess server, string text)
    {
        for (var attempt = 0; attempt < 100 && !server.Output.Contains(text, StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(50);
        }

        return server.Output;
    }

    private static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(TrustedProxyOptions.Setting);
}
