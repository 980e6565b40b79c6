using Game.Functions.Contracts;
using Game.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Realtime;

/// <summary>One real server (Kestrel, real WebSockets) for the non-browser client tests.</summary>
public sealed class PhoneHubServerFixture : IAsyncLifetime
{
    public ServerProcess Server { get; } = new();

    public Task InitializeAsync() => Server.StartAsync();

    public Task DisposeAsync() => Server.DisposeAsync().AsTask();
}

/// <summary>
/// The .NET (and Node) SignalR clients send the access token as <c>Authorization: Bearer</c> on WebSockets; native
/// apps and scripts using an access-token factory must get in as browsers do with <c>access_token</c>.
/// </summary>
public sealed class PhoneHubBearerTokenTests(PhoneHubServerFixture fixture) : IClassFixture<PhoneHubServerFixture>, IDisposable
{
    private readonly GameClient _client = new(fixture.Server);

    public void Dispose() => _client.Dispose();

    private HubConnection Connect(string? headerToken, string? queryToken = null) => new HubConnectionBuilder()
        .WithUrl(
            $"{fixture.Server.BaseUrl}{HubPaths.Phone}{(queryToken is null ? "" : $"?access_token={Uri.EscapeDataString(queryToken)}")}",
            HttpTransportType.WebSockets,
            options =>
            {
                options.SkipNegotiation = true;
                options.AccessTokenProvider = () => Task.FromResult(headerToken);
            })
        .AddMessagePackProtocol()
        .Build();

    private async Task<GameClient.JoinedPlayer> JoinAsync()
    {
        var game = await _client.CreateGameAsync();
        return await _client.JoinAsync(game.GameId, "Native");
    }

    private static MotionBatch Batch(GameClient.JoinedPlayer player) => new()
    {
        GameId = player.GameId,
        PlayerId = player.PlayerId,
        Seq = 1,
        Samples = [new MotionSample { T = 0, X = 0, Y = 0, Z = 9.81 }],
    };

    [Fact]
    public async Task Connect_AccessTokenProviderOverWebSockets_IsAcceptedAndItsBatchesAcked()
    {
        var player = await JoinAsync();
        await using var connection = Connect(headerToken: player.Token);

        await connection.StartAsync();
        var ack = await connection.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, Batch(player));

        Assert.Equal((1L, true), (ack.Seq, ack.Accepted));
    }

    [Fact]
    public async Task Connect_HeaderAndQuery_TheHeaderIsTheOneChecked()
    {
        var player = await JoinAsync();
        await using var headerGood = Connect(headerToken: player.Token, queryToken: "forged");
        await using var headerBad = Connect(headerToken: "forged", queryToken: player.Token);

        await headerGood.StartAsync();
        var refused = await Record.ExceptionAsync(() => headerBad.StartAsync());

        Assert.Equal(HubConnectionState.Connected, headerGood.State);
        Assert.NotNull(refused);
    }
}
