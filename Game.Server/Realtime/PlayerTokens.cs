using System.Security.Cryptography;
using System.Text;
using Game.Server.Cluster;
using Game.Server.Hosting;

namespace Game.Server.Realtime;

/// <summary>
/// Player tokens: <c>{gameId}.{playerId}.{signature}</c>, an HMAC-SHA256 under <c>Game:PlayerTokenKey</c> when set
/// (the same on every node of a cluster, so a token issued by one node is valid on all), else under a key generated
/// once and kept in the data directory (one node). A hub checks a token without a lookup, so the hot path costs one
/// HMAC per connection.
/// </summary>
public sealed class PlayerTokens
{
    private readonly byte[] _key;

    public PlayerTokens(IConfiguration configuration, DataDirectory data)
    {
        if (configuration[ClusterSettings.PlayerTokenKeyKey] is { Length: > 0 } configured)
        {
            // The characters themselves are the key (HMAC takes any length), so hex, base64 or a passphrase all work
            // and every node derives the same bytes from the same setting.
            _key = Encoding.UTF8.GetBytes(configured);
            return;
        }

        var path = data.File("player-token.key");
        if (!File.Exists(path))
        {
            File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(32));
        }

        _key = File.ReadAllBytes(path);
    }

    /// <summary>
    /// The token a phone connection presents: <c>Authorization: Bearer</c> first (what the .NET and Node SignalR
    /// clients send on WebSockets when given an access-token factory), else the <c>access_token</c> query (what
    /// browsers send, since a browser WebSocket cannot carry headers).
    /// </summary>
    public static string? FromRequest(HttpRequest request)
    {
        const string scheme = "Bearer ";
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return header[scheme.Length..].Trim();
        }

        return request.Query["access_token"] is { Count: > 0 } query ? query.ToString() : null;
    }

    public string Issue(string gameId, string playerId) => $"{gameId}.{playerId}.{Sign(gameId, playerId)}";

    public bool TryValidate(string? token, out string gameId, out string playerId)
    {
        gameId = playerId = "";
        var parts = token?.Split('.');
        if (parts is not { Length: 3 })
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(parts[0], parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[2])))
        {
            return false;
        }

        (gameId, playerId) = (parts[0], parts[1]);
        return true;
    }

    private string Sign(string gameId, string playerId) =>
        Base64Url(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{gameId}\n{playerId}")));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
