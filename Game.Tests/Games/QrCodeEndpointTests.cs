using System.Net;
using System.Xml.Linq;
using Game.Tests.Infrastructure;

namespace Game.Tests.Games;

public sealed class QrCodeEndpointTests : IAsyncLifetime
{
    private readonly ServerProcess _server = new();

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task QrSvg_ExistingGame_ReturnsScalableSvgWithoutKey()
    {
        using var client = new GameClient(_server);
        var game = await client.CreateGameAsync();
        // Anyone may fetch it: the code is on the screen anyway, and the display's <img> sends no key.
        using var anonymous = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };

        using var response = await anonymous.GetAsync($"/api/games/{game.GameId.ToLowerInvariant()}/qr.svg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        var svg = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        Assert.Equal(XName.Get("svg", "http://www.w3.org/2000/svg"), svg.Name);
        // A view box and no fixed size, so the page can draw it at any size.
        Assert.Matches(@"^0 0 (\d+) \1$", svg.Attribute("viewBox")?.Value);
        Assert.Null(svg.Attribute("width"));
    }

    [Fact]
    public async Task QrSvg_UnknownGame_Returns404()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };

        using var response = await anonymous.GetAsync("/api/games/ZZZZZ/qr.svg");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
