using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Game.Server.Games;
using Game.Tests.Infrastructure;

namespace Game.Tests.Games;

/// <summary>Which address phones are sent to: never localhost while the server has one they can reach.</summary>
public sealed class JoinLinkTests
{
    private static readonly IPAddress[] Interfaces = [IPAddress.Parse("fe80::1"), IPAddress.Parse("2001:db8::5"), IPAddress.Parse("192.168.1.20")];

    [Fact]
    public void Choose_PublicUrlSet_IsThatUrlWithoutTrailingSlash()
    {
        var join = JoinLink.Choose("https://game.example.org/", "http://localhost:5000", ["http://localhost:5000"], Interfaces);

        Assert.Equal(new JoinLink.JoinBase("https://game.example.org", true), join);
        Assert.Equal("https://game.example.org/play?game=K7QPZ", JoinLink.PlayUrl(join, "K7QPZ"));
        Assert.Equal("game.example.org/play", JoinLink.ShownUrl(join));
    }

    [Fact]
    public void Choose_DisplayReachedByANetworkAddress_IsThatAddress() =>
        Assert.Equal(new JoinLink.JoinBase("http://192.168.1.20:5000", true),
            JoinLink.Choose(null, "http://192.168.1.20:5000", ["http://0.0.0.0:5000"], Interfaces));

    [Theory]
    [InlineData("http://0.0.0.0:5000")]
    [InlineData("http://[::]:5000")]
    [InlineData("http://+:5000")]
    [InlineData("http://*:5000")]
    public void Choose_LocalDisplayAndWildcardBinding_IsThisMachinesIPv4Address(string bound) =>
        Assert.Equal(new JoinLink.JoinBase("http://192.168.1.20:5000", true), JoinLink.Choose(null, "http://localhost:5000", [bound], Interfaces));

    [Fact]
    public void Choose_LocalDisplayAndANetworkBinding_IsThatBinding() =>
        Assert.Equal(new JoinLink.JoinBase("http://10.0.0.7:5000", true),
            JoinLink.Choose(null, "http://127.0.0.1:5000", ["http://127.0.0.1:5000", "http://10.0.0.7:5000"], Interfaces));

    [Theory]
    [InlineData("http://localhost:5000")]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("http://[::1]:5000")]
    public void Choose_OnlyLoopbackBindings_IsTheRequestBaseAndUnreachable(string bound) =>
        Assert.Equal(new JoinLink.JoinBase("http://localhost:5000", false), JoinLink.Choose(null, "http://localhost:5000", [bound], Interfaces));

    [Fact]
    public void Choose_WildcardButNoNetworkInterface_IsUnreachable() =>
        Assert.Equal(new JoinLink.JoinBase("http://localhost:5000", false), JoinLink.Choose(null, "http://localhost:5000", ["http://0.0.0.0:5000"], [IPAddress.Loopback]));

    [Fact]
    public async Task JoinLinkApi_LoopbackServer_AnswersTheLinkAndUnreachable()
    {
        await using var server = new ServerProcess(new Dictionary<string, string>());
        await server.StartAsync();
        using var client = new GameClient(server);
        var game = await client.CreateGameAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };

        var link = await http.GetFromJsonAsync<JsonElement>($"/api/games/{game.GameId}/join-link");
        var unknown = await http.GetAsync("/api/games/QQQQQ/join-link");

        Assert.Equal($"{server.BaseUrl}/play?game={game.GameId}", link.GetProperty("joinUrl").GetString());
        Assert.Equal($"{new Uri(server.BaseUrl).Authority}/play", link.GetProperty("shownUrl").GetString());
        Assert.False(link.GetProperty("reachable").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains($"Phones cannot open {server.BaseUrl}/play: listen on the network", await OutputWithAsync(server, "Phones cannot open"));
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

    [Fact]
    public async Task JoinLinkApi_PublicUrlSet_IsUsedByTheLinkTheCreateAnswerAndTheStartUpLog()
    {
        await using var server = new ServerProcess(new Dictionary<string, string> { [JoinLink.PublicUrlSetting] = "https://game.example.org" });
        await server.StartAsync();
        using var client = new GameClient(server);
        var game = await client.CreateGameAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };

        var link = await http.GetFromJsonAsync<JsonElement>($"/api/games/{game.GameId}/join-link");

        Assert.Equal($"https://game.example.org/play?game={game.GameId}", link.GetProperty("joinUrl").GetString());
        Assert.Equal($"https://game.example.org/play?game={game.GameId}", game.JoinUrl);
        Assert.True(link.GetProperty("reachable").GetBoolean());
        Assert.Contains("Phones join at https://game.example.org/play (the display's QR code points there)", await OutputWithAsync(server, "Phones join at"));
    }
}
