using System.Net.Http.Json;
using Game.Functions.Contracts;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Infrastructure;

/// <summary>Drives a running server the way the pages and the load tool do: HTTP API plus SignalR with MessagePack.</summary>
public sealed class GameClient(ServerProcess server) : IDisposable
{
    private readonly HttpClient _presenter = server.CreatePresenterClient();

    public sealed record CreatedGame(string GameId, string JoinUrl, int RoundSeconds, string Scoring);

    public sealed record JoinedPlayer(string GameId, string PlayerId, string Token, string Nickname, string Team);

    public sealed record Scoreboard(string GameId, string State, int Round, List<PlayerStanding> Players, List<TeamStanding> Teams, string Scoring);

    /// <param name="roundSeconds">Round length.</param>
    /// <param name="scoring"><c>runningTotal</c> or <c>perRound</c>; the server's default when null.</param>
    public async Task<CreatedGame> CreateGameAsync(int roundSeconds = 30, string? scoring = null)
    {
        var response = await _presenter.PostAsJsonAsync("/api/games", new { roundSeconds, scoring });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CreatedGame>())!;
    }

    public async Task<JoinedPlayer> JoinAsync(string gameId, string nickname, string team = "")
    {
        var response = await _presenter.PostAsJsonAsync($"/api/games/{gameId}/players", new { nickname, team });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JoinedPlayer>())!;
    }

    public async Task StartAsync(string gameId) => (await _presenter.PostAsync($"/api/games/{gameId}/start", null)).EnsureSuccessStatusCode();

    public async Task StopAsync(string gameId) => (await _presenter.PostAsync($"/api/games/{gameId}/stop", null)).EnsureSuccessStatusCode();

    public async Task<Scoreboard> ScoreboardAsync(string gameId) =>
        (await _presenter.GetFromJsonAsync<Scoreboard>($"/api/games/{gameId}/scoreboard"))!;

    /// <summary>A phone's connection, authenticated by its player token.</summary>
    public async Task<HubConnection> ConnectPhoneAsync(JoinedPlayer player)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl($"{server.BaseUrl}{HubPaths.Phone}?access_token={Uri.EscapeDataString(player.Token)}")
            .AddMessagePackProtocol()
            .Build();
        await connection.StartAsync();
        return connection;
    }

    public async Task<HubConnection> ConnectPresenterAsync()
    {
        var connection = new HubConnectionBuilder()
            .WithUrl($"{server.BaseUrl}{HubPaths.Presenter}")
            .AddMessagePackProtocol()
            .Build();
        await connection.StartAsync();
        return connection;
    }

    public void Dispose() => _presenter.Dispose();
}
