using System.Security.Cryptography;
using Game.Functions.Contracts;
using Game.Functions.Games;
using Game.Server.Auth;
using Game.Server.Hosting;
using Game.Server.Realtime;
using Microsoft.Extensions.Options;

namespace Game.Server.Games;

/// <summary>The game's HTTP API (docs/api.md): create, join, start, stop, settings, reset, scoreboard.</summary>
public static class GameApi
{
    /// <summary>Join codes avoid letters and digits that read alike on a projector (0/O, 1/I/L).</summary>
    private const string CodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    private const int CodeLength = 5;
    private const string ScoringMessage = "scoring is \"runningTotal\" (scores add up over the rounds) or \"perRound\" (each round starts at 0).";

    /// <summary>Largest request body the game API reads.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapGameApi(this IEndpointRouteBuilder app)
    {
        // Game API bodies are a few fields: 16 KiB is generous, and anything larger is refused before it is read.
        var games = app.MapGroup("/api/games").WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxBodyBytes));
        games.MapPost("/", CreateAsync).AddEndpointFilter(PresenterKey.Required);
        // The list holds every join code: only the presenter may read it, or anyone could join any game.
        games.MapGet("/", ListAsync).AddEndpointFilter(PresenterKey.Required);
        games.MapPost("/{gameId}/start", (string gameId, IGrainFactory grains) => ChangeAsync(gameId, grains, g => g.Start())).AddEndpointFilter(PresenterKey.Required);
        games.MapPost("/{gameId}/stop", (string gameId, IGrainFactory grains) => ChangeAsync(gameId, grains, g => g.Stop())).AddEndpointFilter(PresenterKey.Required);
        games.MapPost("/{gameId}/settings", SettingsAsync).AddEndpointFilter(PresenterKey.Required);
        games.MapPost("/{gameId}/reset", ResetAsync).AddEndpointFilter(PresenterKey.Required);
        games.MapPost("/{gameId}/players", JoinAsync).RequireRateLimiting(ClientRateLimits.Joins);
        games.MapGet("/{gameId}/scoreboard", ScoreboardAsync).RequireRateLimiting(ClientRateLimits.Reads);
        return app;
    }

    /// <param name="RoundSeconds">Round length; the configured default when absent.</param>
    /// <param name="Scoring"><c>runningTotal</c> (the default) or <c>perRound</c>.</param>
    public sealed record CreateGameRequest(int? RoundSeconds, string? Scoring = null);

    public sealed record CreateGameResponse(string GameId, string JoinUrl, int RoundSeconds, string Scoring);

    /// <param name="Scoring"><c>runningTotal</c> or <c>perRound</c>; applies from the next round.</param>
    public sealed record SettingsRequest(string? Scoring);

    public sealed record JoinRequest(string? Nickname, string? Team);

    public sealed record JoinResponse(string GameId, string PlayerId, string Token, string Nickname, string Team);

    public sealed record GameResponse(string GameId, string State, int Round, int RoundSeconds, DateTimeOffset? RoundStartsAt, DateTimeOffset? RoundEndsAt, string Scoring);

    public sealed record ScoreboardResponse(string GameId, string State, int Round, IReadOnlyList<PlayerStanding> Players, IReadOnlyList<TeamStanding> Teams, string Scoring);

    /// <summary>The wire name of a scoring mode: <c>runningTotal</c> or <c>perRound</c>.</summary>
    public static string ScoringName(ScoreMode scoring) => scoring == ScoreMode.PerRound ? "perRound" : "runningTotal";

    private static async Task<IResult> CreateAsync(CreateGameRequest? request, HttpRequest http, IGrainFactory grains, IOptions<GameOptions> options)
    {
        var roundSeconds = request?.RoundSeconds ?? options.Value.DefaultRoundSeconds;
        if (roundSeconds is < 5 or > 3600)
        {
            return Error(StatusCodes.Status400BadRequest, "roundSeconds must be between 5 and 3600.");
        }

        if (ParseScoring(request?.Scoring ?? "runningTotal") is not { } scoring)
        {
            return Error(StatusCodes.Status400BadRequest, ScoringMessage);
        }

        // A fresh code: retry on the rare collision with an existing game.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var code = RandomNumberGenerator.GetString(CodeAlphabet, CodeLength);
            var grain = grains.GetGrain<IGameGrain>(code);
            if (await grain.Get() is not null)
            {
                continue;
            }

            var game = await grain.Create(roundSeconds);
            if (scoring != game.Scoring)
            {
                game = await grain.Configure(scoring) ?? game;
            }

            var joinUrl = JoinLink.PlayUrl(JoinLink.For(http), game.GameId);
            return Results.Created($"/api/games/{game.GameId}", new CreateGameResponse(game.GameId, joinUrl, game.RoundSeconds, ScoringName(game.Scoring)));
        }

        return Error(StatusCodes.Status503ServiceUnavailable, "No free game code was found; try again.");
    }

    private static async Task<IResult> ListAsync(IGameStore store, CancellationToken cancellationToken) =>
        Results.Ok((await store.ListGamesAsync(cancellationToken)).Select(ToResponse));

    private static async Task<IResult> ChangeAsync(string gameId, IGrainFactory grains, Func<IGameGrain, Task<GameRecord?>> change) =>
        await change(grains.GetGrain<IGameGrain>(gameId.ToUpperInvariant())) is { } game
            ? Results.Ok(ToResponse(game))
            : UnknownGame(gameId);

    private static async Task<IResult> SettingsAsync(string gameId, SettingsRequest? request, IGrainFactory grains)
    {
        if (ParseScoring(request?.Scoring) is not { } scoring)
        {
            return Error(StatusCodes.Status400BadRequest, ScoringMessage);
        }

        return await ChangeAsync(gameId, grains, g => g.Configure(scoring));
    }

    private static async Task<IResult> ResetAsync(string gameId, IGrainFactory grains)
    {
        if (await grains.GetGrain<IGameGrain>(gameId.ToUpperInvariant()).ResetScores() is not { } game)
        {
            return UnknownGame(gameId);
        }

        // The grain resets nothing while a round counts: a score cannot drop to 0 under a player's shaking hands.
        return game.Phase is GamePhase.Countdown or GamePhase.Running
            ? Error(StatusCodes.Status409Conflict, "Scores can be reset between rounds only; stop the round first.")
            : Results.Ok(ToResponse(game));
    }

    /// <summary>The mode by its wire name, ignoring case; null for anything else.</summary>
    private static ScoreMode? ParseScoring(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "runningtotal" => ScoreMode.RunningTotal,
        "perround" => ScoreMode.PerRound,
        _ => null,
    };

    private static async Task<IResult> JoinAsync(string gameId, JoinRequest? request, IGrainFactory grains, PlayerTokens tokens)
    {
        var nickname = request?.Nickname?.Trim() ?? "";
        var team = request?.Team?.Trim() ?? "";
        if (nickname.Length is 0 or > GameLimits.MaxNicknameLength)
        {
            return Error(StatusCodes.Status400BadRequest, $"nickname is required, up to {GameLimits.MaxNicknameLength} characters.");
        }

        if (team.Length > GameLimits.MaxTeamLength)
        {
            return Error(StatusCodes.Status400BadRequest, $"team is up to {GameLimits.MaxTeamLength} characters.");
        }

        var grain = grains.GetGrain<IGameGrain>(gameId.ToUpperInvariant());
        PlayerProfile? player;
        try
        {
            player = await grain.Join(nickname, team);
        }
        catch (GameFullException full)
        {
            return Error(StatusCodes.Status409Conflict, full.Message);
        }

        if (player is null)
        {
            return UnknownGame(gameId);
        }

        var code = grain.GetPrimaryKeyString();
        return Results.Ok(new JoinResponse(code, player.PlayerId, tokens.Issue(code, player.PlayerId), player.Nickname, player.Team));
    }

    private static async Task<IResult> ScoreboardAsync(string gameId, IGrainFactory grains, IGameStore store, CancellationToken cancellationToken)
    {
        // The store answers "no such game" without activating a grain: an anonymous flood of made-up codes costs a
        // read each, not an activation each.
        var code = gameId.ToUpperInvariant();
        if (await store.GetGameAsync(code, cancellationToken) is null || await grains.GetGrain<IGameGrain>(code).Get() is not { } game)
        {
            return UnknownGame(gameId);
        }

        // Read from the store, not the live frame: this is the exact, durable score.
        var board = Scoreboard.From(await store.GetPlayersAsync(game.GameId, cancellationToken));
        var players = board.Ranked().Select(p => p.Player.ToStanding()).ToList();
        var teams = board.Teams().Select(t => t.Team).ToList();
        return Results.Ok(new ScoreboardResponse(game.GameId, StateName(game.Phase), game.Round, players, teams, ScoringName(game.Scoring)));
    }

    private static GameResponse ToResponse(GameRecord game) =>
        new(game.GameId, StateName(game.Phase), game.Round, game.RoundSeconds, game.RoundStartsAt, game.RoundEndsAt, ScoringName(game.Scoring));

    private static string StateName(GamePhase phase) => phase.ToString().ToLowerInvariant();

    private static IResult UnknownGame(string gameId) => Error(StatusCodes.Status404NotFound, $"No game has the code '{gameId}'.");

    private static IResult Error(int status, string message) => Results.Problem(detail: message, statusCode: status);
}
