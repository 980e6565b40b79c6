namespace Game.Tests.Cluster;

/// <summary>The Redis that <c>./scripts/test</c> starts on loopback (Debian's redis-server, nothing on disk).</summary>
public static class TestRedis
{
    /// <summary>Where <c>./scripts/test</c> puts Redis' address (<c>127.0.0.1:port</c>).</summary>
    public const string AddressVariable = "GAME_TEST_REDIS";

    /// <exception cref="InvalidOperationException">No Redis: the suite must not silently leave the cluster out.</exception>
    public static string Address => Environment.GetEnvironmentVariable(AddressVariable) is { Length: > 0 } address
        ? address
        : throw new InvalidOperationException($"{AddressVariable} is not set, so there is no Redis to cluster on. Run ./scripts/test, which starts redis-server and sets it.");
}
