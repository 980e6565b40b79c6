using Game.Server.Hosting;

namespace Game.Tests.Hosting;

/// <summary>Every response carries the security headers; the pages get a policy they work under (see the browser tests).</summary>
[Collection(InProcessHostCollection.Name)]
public sealed class SecurityHeadersTests(InProcessHostFixture fixture)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/play")]
    [InlineData("/play/index.html")]
    [InlineData("/presenter/index.html")]
    public async Task Page_SendsThePagePolicyAndTheOtherHeaders(string path)
    {
        using var http = fixture.Host.CreateClient();

        using var response = await http.GetAsync(path);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; manifest-src 'self'; " +
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; connect-src 'self' ws://localhost wss://localhost",
            Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        AssertCommonHeaders(response);
    }

    [Theory]
    [InlineData("/api/games/ZZZZZ/scoreboard")]
    [InlineData("/health")]
    [InlineData("/play/play.js")]
    public async Task OtherResponse_SendsTheStrictPolicyAndTheOtherHeaders(string path)
    {
        using var http = fixture.Host.CreateClient();

        using var response = await http.GetAsync(path);

        Assert.Equal(SecurityHeaders.OtherPolicy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        AssertCommonHeaders(response);
    }

    private static void AssertCommonHeaders(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }
}
