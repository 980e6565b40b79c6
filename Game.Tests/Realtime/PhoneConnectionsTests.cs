using Game.Functions.Contracts;
using Game.Server.Realtime;
using Game.Tests.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Realtime;

/// <summary>A refused phone connection costs one log line, not a stack trace.</summary>
[Collection(InProcessHostCollection.Name)]
public sealed class PhoneConnectionsTests(InProcessHostFixture fixture)
{
    /// <summary>
    /// What runs beside on the shared host and logs on its own schedule: the silo (its grain placement logs through
    /// Polly) and the event sources' readers and leases ("Took the lease …" as the host starts, on a slow machine late).
    /// </summary>
    private static readonly string[] Background = ["Orleans", "Microsoft.Orleans", "Polly", "Game.Server.EventSources"];

    [Theory]
    [InlineData(null, "no player token")]
    [InlineData("nonsense", "a player token that does not verify")]
    [InlineData("ABCDE.pdeadbeef.forged-signature", "a player token that does not verify")]
    public async Task Connect_BadOrMissingToken_IsRefusedWithExactlyOneLogLine(string? token, string reason)
    {
        var url = new Uri(fixture.Host.Server.BaseAddress, token is null ? HubPaths.Phone : $"{HubPaths.Phone}?access_token={Uri.EscapeDataString(token)}");
        await using var connection = new HubConnectionBuilder()
            .WithUrl(url, options =>
            {
                options.HttpMessageHandlerFactory = _ => fixture.Host.Server.CreateHandler();
                options.Transports = HttpTransportType.LongPolling;
            })
            .AddMessagePackProtocol()
            .Build();
        fixture.Logs.Clear();

        var error = await Record.ExceptionAsync(() => connection.StartAsync());

        Assert.Contains("401", Assert.IsType<HttpRequestException>(error).Message);
        // Everything the host logged meanwhile, but what runs beside.
        var logged = fixture.Logs.Entries.Where(e => !Background.Any(prefix => e.Category.StartsWith(prefix, StringComparison.Ordinal))).ToList();
        var line = Assert.Single(logged);
        Assert.Equal(typeof(PhoneConnections).FullName, line.Category);
        Assert.Null(line.Exception);
        Assert.DoesNotContain('\n', line.Message);
        Assert.EndsWith($": {reason}", line.Message);
    }

    [Fact]
    public void FromRequest_HeaderAndQuery_TheHeaderWins()
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.QueryString = new("?access_token=from-query");
        Assert.Equal("from-query", PlayerTokens.FromRequest(context.Request));

        context.Request.Headers.Authorization = "Bearer from-header";
        Assert.Equal("from-header", PlayerTokens.FromRequest(context.Request));
    }

    [Fact]
    public void Tokens_AreTheServersOwn()
    {
        // The fixture's server issues and checks tokens with the same key (a guard for the theory above).
        var tokens = fixture.Host.Services.GetRequiredService<PlayerTokens>();
        Assert.True(tokens.TryValidate(tokens.Issue("ABCDE", "p1"), out var gameId, out var playerId));
        Assert.Equal(("ABCDE", "p1"), (gameId, playerId));
    }
}
