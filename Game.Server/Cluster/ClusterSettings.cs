namespace Game.Server.Cluster;

/// <summary>
/// The configuration keys that make a node part of a cluster, read raw so that a decision taken while the host is
/// built (which clustering, which backplane) and the check at start agree. Orleans reads the same keys itself:
/// <c>Orleans:Clustering:ProviderType</c> picks the membership provider registered by its package, and
/// <c>Orleans:Clustering:ServiceKey</c> names the keyed <c>IConnectionMultiplexer</c> it takes from the container,
/// the convention Orleans and Aspire share.
/// </summary>
public static class ClusterSettings
{
    public const string ProviderTypeKey = "Orleans:Clustering:ProviderType";
    public const string ServiceKeyKey = "Orleans:Clustering:ServiceKey";
    public const string ClusterIdKey = "Orleans:ClusterId";
    public const string ServiceIdKey = "Orleans:ServiceId";
    public const string StorageProviderKey = "Storage:Provider";
    public const string IngestProviderKey = "Ingest:Provider";
    public const string PlayerTokenKeyKey = "Game:PlayerTokenKey";
    public const string PresenterKeyKey = "Game:PresenterKey";

    /// <summary>
    /// For tests only, until the shared (Kinesis) stream exists: lets a clustered node keep its node-local embedded
    /// stream, so records a phone sends through one node are scored by that node alone. Logged as a warning at start.
    /// </summary>
    public const string AllowNodeLocalStreamKey = "Cluster:AllowNodeLocalStream";

    /// <summary>The connection string's name when <see cref="ServiceKeyKey"/> is unset.</summary>
    public const string DefaultConnectionName = "redis";

    /// <summary>The shortest shared player-token key accepted: 32 characters (a 256-bit key written in hex or base64 is longer).</summary>
    public const int MinimumPlayerTokenKeyLength = 32;

    /// <summary>True when <c>Orleans:Clustering:ProviderType</c> is <c>Redis</c>: the node is one of several.</summary>
    public static bool IsRedisCluster(IConfiguration configuration) =>
        string.Equals(configuration[ProviderTypeKey], "Redis", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when a clustering provider other than the default localhost clustering is configured.</summary>
    public static bool HasClusteringProvider(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[ProviderTypeKey]);

    /// <summary>The name of the Redis connection: <c>Orleans:Clustering:ServiceKey</c>, else <c>redis</c>.</summary>
    public static string ConnectionName(IConfiguration configuration) =>
        configuration[ServiceKeyKey] is { Length: > 0 } key ? key : DefaultConnectionName;

    /// <summary>The cluster id (<c>Orleans:ClusterId</c>, default <c>game</c>): the Redis channel prefix of the backplane too.</summary>
    public static string ClusterId(IConfiguration configuration) =>
        configuration[ClusterIdKey] is { Length: > 0 } id ? id : "game";

    /// <summary>The service id (<c>Orleans:ServiceId</c>, default <c>game</c>).</summary>
    public static string ServiceId(IConfiguration configuration) =>
        configuration[ServiceIdKey] is { Length: > 0 } id ? id : "game";
}
