using System.Globalization;
using System.Text;
using Game.Functions.Contracts;
using Game.Functions.Games;
using Game.Server.Hosting;

namespace Game.Server.Games;

/// <summary>
/// A game's results after the fact, read from the store (not from a live grain), so games from before a restart
/// are there too: <c>GET /api/games/{gameId}/results</c> (JSON) and <c>/results.csv</c>.
/// </summary>
public static class GameHistoryApi
{
    public static IEndpointRouteBuilder MapGameHistoryApi(this IEndpointRouteBuilder app)
    {
        var games = app.MapGroup("/api/games").RequireRateLimiting(ClientRateLimits.Reads);
        games.MapGet("/{gameId}/results", ResultsAsync);
        games.MapGet("/{gameId}/results.csv", ResultsCsvAsync);
        return app;
    }

    /// <summary>A player's place: equal scores share a rank, and the next rank skips as many places ("1, 2, 2, 4").</summary>
    public sealed record RankedPlayer(int Rank, string PlayerId, string Nickname, string Team, long Score);

    /// <summary>A team's place, ranked like players; players without a team are in no team.</summary>
    public sealed record RankedTeam(int Rank, string Team, long Score, int Players);

    /// <summary>The results of a game: its state and round, players and teams ranked by score.</summary>
    public sealed record GameResults(
        string GameId,
        string State,
        int Round,
        int RoundSeconds,
        DateTimeOffset? RoundStartsAt,
        DateTimeOffset? RoundEndsAt,
        DateTimeOffset CreatedAt,
        IReadOnlyList<RankedPlayer> Players,
        IReadOnlyList<RankedTeam> Teams);

    /// <summary>Ranks a game's players and teams by the one rule of <see cref="Scoreboard"/>. O(n log n).</summary>
    public static GameResults Rank(GameRecord game, IReadOnlyList<PlayerRow> rows)
    {
        var board = Scoreboard.From(rows);
        var players = board.Ranked()
            .Select(r => new RankedPlayer(r.Rank, r.Player.Profile.PlayerId, r.Player.Profile.Nickname, r.Player.Profile.Team, r.Player.Score))
            .ToList();
        var teams = board.Teams().Select(t => new RankedTeam(t.Rank, t.Team.Team, t.Team.Score, t.Team.Players)).ToList();
        return new GameResults(
            game.GameId, game.Phase.ToString().ToLowerInvariant(), game.Round, game.RoundSeconds,
            game.RoundStartsAt, game.RoundEndsAt, game.CreatedAt, players, teams);
    }

    /// <summary>
    /// The results as CSV (RFC 4180): header <c>rank,playerId,nickname,team,score,kind,players</c>, a row per player
    /// (<c>kind</c> <c>player</c>, <c>players</c> empty), then a row per team (<c>kind</c> <c>team</c>, no player id or
    /// nickname, <c>players</c> its size). The first five columns are what they always were, so a reader of players
    /// only is unaffected. CRLF line ends, and a field with a comma, quote, CR or LF in double quotes with its quotes
    /// doubled, so any nickname reads back unchanged.
    /// </summary>
    public static string ToCsv(GameResults results)
    {
        var csv = new StringBuilder("rank,playerId,nickname,team,score,kind,players\r\n");
        foreach (var player in results.Players)
        {
            csv.Append(player.Rank.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(CsvField(player.PlayerId)).Append(',')
                .Append(CsvField(player.Nickname)).Append(',')
                .Append(CsvField(player.Team)).Append(',')
                .Append(player.Score.ToString(CultureInfo.InvariantCulture)).Append(",player,\r\n");
        }

        foreach (var team in results.Teams)
        {
            csv.Append(team.Rank.ToString(CultureInfo.InvariantCulture)).Append(",,,")
                .Append(CsvField(team.Team)).Append(',')
                .Append(team.Score.ToString(CultureInfo.InvariantCulture)).Append(",team,")
                .Append(team.Players.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }

        return csv.ToString();
    }

    /// <summary>
    /// The CSV as a download: UTF-8 with a byte order mark (without it Excel reads the bytes as the local code page
    /// and garbles Japanese names) and <c>Content-Disposition: attachment; filename=shake-CODE-results.csv</c>.
    /// </summary>
    public static IResult CsvDownload(GameResults results) => Results.File(
        [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(ToCsv(results))],
        "text/csv; charset=utf-8",
        fileDownloadName: $"shake-{results.GameId}-results.csv");

    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;

    private static async Task<IResult> ResultsAsync(string gameId, IGameStore store, CancellationToken cancellationToken) =>
        await LoadAsync(gameId, store, cancellationToken) is { } results ? Results.Ok(results) : UnknownGame(gameId);

    private static async Task<IResult> ResultsCsvAsync(string gameId, IGameStore store, CancellationToken cancellationToken) =>
        await LoadAsync(gameId, store, cancellationToken) is { } results
            ? CsvDownload(results)
            : UnknownGame(gameId);

    private static async Task<GameResults?> LoadAsync(string gameId, IGameStore store, CancellationToken cancellationToken)
    {
        // Codes are upper-case; a code typed in lower case still finds its game, as the rest of the API does.
        if (await store.GetGameAsync(gameId.ToUpperInvariant(), cancellationToken) is not { } game)
        {
            return null;
        }

        return Rank(game, await store.GetPlayersAsync(game.GameId, cancellationToken));
    }

    private static IResult UnknownGame(string gameId) =>
        Results.Problem(detail: $"No game has the code '{gameId}'.", statusCode: StatusCodes.Status404NotFound);
}
