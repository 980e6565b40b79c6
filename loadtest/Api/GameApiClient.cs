using System.Net.Http.Headers;
using System.Net.Http.Json;
using Game.Functions.Contracts;

namespace LoadTest.Api;

public sealed record CreatedGame(string GameId, string JoinUrl, int RoundSeconds);

public sealed record JoinedPlayer(string GameId, string PlayerId, string Token, string Nickname, string Team);

public sealed record GameState(string GameId, string State, int Round, int RoundSeconds, DateTimeOffset? RoundStartsAt, DateTimeOffset? RoundEndsAt);

public sealed record Scoreboard(string GameId, string State, int Round, IReadOnlyList<PlayerStanding> Players, IReadOnlyList<TeamStanding> Teams);

/// <summary>The game's HTTP API (docs/api.md) as the load tool uses it.</summary>
public sealed class GameApiClient(HttpClient http, string presenterKey)
{
    public const string StateRunning = "running";

    public async Task<CreatedGame> CreateGameAsync(int roundSeconds, CancellationToken cancellationToken) =>
        await ReadAsync<CreatedGame>(await http.SendAsync(Presenter(HttpMethod.Post, "/api/games", new { roundSeconds }), cancellationToken), cancellationToken);

    public async Task<JoinedPlayer> JoinAsync(string gameId, string nickname, string team, CancellationToken cancellationToken) =>
        await ReadAsync<JoinedPlayer>(await http.PostAsJsonAsync($"/api/games/{gameId}/players", new { nickname, team }, cancellationToken), cancellationToken);

    public async Task<GameState> StartAsync(string gameId, CancellationToken cancellationToken) =>
        await ReadAsync<GameState>(await http.SendAsync(Presenter(HttpMethod.Post, $"/api/games/{gameId}/start"), cancellationToken), cancellationToken);

    public async Task<GameState> StopAsync(string gameId, CancellationToken cancellationToken) =>
        await ReadAsync<GameState>(await http.SendAsync(Presenter(HttpMethod.Post, $"/api/games/{gameId}/stop"), cancellationToken), cancellationToken);

    public async Task<Scoreboard> ScoreboardAsync(string gameId, CancellationToken cancellationToken) =>
        await ReadAsync<Scoreboard>(await http.GetAsync($"/api/games/{gameId}/scoreboard", cancellationToken), cancellationToken);

    private HttpRequestMessage Presenter(HttpMethod method, string path, object? body = null) => new(method, path)
    {
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", presenterKey) },
        Content = body is null ? null : JsonContent.Create(body),
    };

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                // The API answers problem details; their text is the useful part of the failure.
                var detail = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new HttpRequestException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode}: {detail}", null, response.StatusCode);
            }

            return await response.Content.ReadFromJsonAsync<T>(cancellationToken)
                ?? throw new HttpRequestException($"{response.RequestMessage?.RequestUri?.AbsolutePath} answered an empty body.");
        }
    }
}
