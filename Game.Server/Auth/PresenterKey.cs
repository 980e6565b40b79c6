using System.Security.Cryptography;
using System.Text;
using Game.Server.Hosting;

namespace Game.Server.Auth;

/// <summary>
/// The presenter key (<c>Game:PresenterKey</c>, env <c>Game__PresenterKey</c>). When unset, one is generated
/// once, kept in the data directory, and printed with the presenter URL by the start that generated it, never again
/// (<see cref="PresenterKeyExtensions.Announce"/>).
/// </summary>
public sealed class PresenterKey
{
    public PresenterKey(IConfiguration configuration, DataDirectory data)
    {
        if (configuration["Game:PresenterKey"] is { Length: > 0 } configured)
        {
            Value = configured;
            return;
        }

        var path = KeyFile = data.File("presenter.key");
        if (!File.Exists(path))
        {
            File.WriteAllText(path, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)));
            Generated = true;
        }

        Value = File.ReadAllText(path).Trim();
    }

    public string Value { get; }

    /// <summary>True when this start generated the key: only then is it printed (once, with the presenter URL).</summary>
    public bool Generated { get; }

    /// <summary>The file the key was read from; null when it came from configuration.</summary>
    public string? KeyFile { get; }

    /// <summary>
    /// An endpoint filter: 401 with a clear message unless the request presents the key. A missing key and a wrong one
    /// get different messages: the first is a client that forgot the header, the second a display holding an old key.
    /// </summary>
    public static async ValueTask<object?> Required(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var key = context.HttpContext.RequestServices.GetRequiredService<PresenterKey>();
        var request = context.HttpContext.Request;
        if (key.IsPresentedBy(request))
        {
            return await next(context);
        }

        var detail = request.Headers.Authorization.Count == 0
            ? "This needs the presenter key: send it as Authorization: Bearer <key> (open the presenter URL printed at the first start)."
            : "That is not this server's presenter key: use the key printed at the first start or set in Game:PresenterKey, as Authorization: Bearer <key>.";
        return Results.Problem(detail: detail, statusCode: StatusCodes.Status401Unauthorized);
    }

    /// <summary>Checks <c>Authorization: Bearer &lt;key&gt;</c> in constant time.</summary>
    public bool IsPresentedBy(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), Encoding.UTF8.GetBytes(Value));
    }
}
