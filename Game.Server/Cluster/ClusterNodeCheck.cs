using Microsoft.Extensions.Options;

namespace Game.Server.Cluster;

/// <summary>What the start-up check of a clustered node looks at, read from configuration when the host starts.</summary>
public sealed class ClusterNodeSettings
{
    public bool IsCluster { get; set; }

    public string? StorageProvider { get; set; }

    public string? IngestProvider { get; set; }

    public bool AllowNodeLocalStream { get; set; }

    public string? PlayerTokenKey { get; set; }

    public string? PresenterKey { get; set; }

    public string ConnectionName { get; set; } = ClusterSettings.DefaultConnectionName;

    public string? ConnectionString { get; set; }

    /// <summary>Reads the raw keys (not other features' option types, so the check does not depend on their code).</summary>
    public void Read(IConfiguration configuration)
    {
        IsCluster = ClusterSettings.IsRedisCluster(configuration);
        StorageProvider = configuration[ClusterSettings.StorageProviderKey];
        IngestProvider = configuration[ClusterSettings.IngestProviderKey];
        AllowNodeLocalStream = configuration.GetValue(ClusterSettings.AllowNodeLocalStreamKey, false);
        PlayerTokenKey = configuration[ClusterSettings.PlayerTokenKeyKey];
        PresenterKey = configuration[ClusterSettings.PresenterKeyKey];
        ConnectionName = ClusterSettings.ConnectionName(configuration);
        ConnectionString = configuration.GetConnectionString(ConnectionName);
    }
}

/// <summary>
/// Refuses to start a clustered node (<c>Orleans:Clustering:ProviderType=Redis</c>) that keeps something to itself
/// which the other nodes would need: the embedded store or the embedded stream, or a player-token or presenter key
/// of its own (a phone that joined on one node must connect on any other; the presenter likewise). Each failure
/// names the setting to change.
/// </summary>
/// <remarks>Runs as options validation at start (<c>ValidateOnStart</c>): before any hosted service, so before the silo joins.</remarks>
public sealed partial class ClusterNodeCheck(ILogger<ClusterNodeCheck> logger) : IValidateOptions<ClusterNodeSettings>
{
    public ValidateOptionsResult Validate(string? name, ClusterNodeSettings node)
    {
        if (!node.IsCluster)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(node.ConnectionString))
        {
            failures.Add($"ConnectionStrings:{node.ConnectionName} is not set: with {ClusterSettings.ProviderTypeKey}=Redis every node needs the Redis connection string.");
        }

        if (!string.Equals(node.StorageProvider, "DynamoDb", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{ClusterSettings.StorageProviderKey} is {node.StorageProvider ?? "Embedded (the default)"}: the embedded store is node-local; " +
                $"with {ClusterSettings.ProviderTypeKey}=Redis set {ClusterSettings.StorageProviderKey}=DynamoDb so every node reads and writes the same tables.");
        }

        if (!string.Equals(node.IngestProvider, "Kinesis", StringComparison.OrdinalIgnoreCase))
        {
            if (node.AllowNodeLocalStream)
            {
                LogNodeLocalStream(logger, ClusterSettings.AllowNodeLocalStreamKey, ClusterSettings.IngestProviderKey);
            }
            else
            {
                failures.Add($"{ClusterSettings.IngestProviderKey} is {node.IngestProvider ?? "Embedded (the default)"}: the embedded stream is node-local; " +
                    $"with {ClusterSettings.ProviderTypeKey}=Redis set {ClusterSettings.IngestProviderKey}=Kinesis so every node writes to and reads from the same stream.");
            }
        }

        if (string.IsNullOrWhiteSpace(node.PlayerTokenKey) || node.PlayerTokenKey.Length < ClusterSettings.MinimumPlayerTokenKeyLength)
        {
            failures.Add($"{ClusterSettings.PlayerTokenKeyKey} is {(string.IsNullOrWhiteSpace(node.PlayerTokenKey) ? "not set" : "too short")}: " +
                $"with {ClusterSettings.ProviderTypeKey}=Redis every node needs the same player-token key (at least {ClusterSettings.MinimumPlayerTokenKeyLength} characters, " +
                "e.g. `openssl rand -hex 32`), so a phone that joined on one node connects on any other.");
        }

        if (string.IsNullOrWhiteSpace(node.PresenterKey))
        {
            failures.Add($"{ClusterSettings.PresenterKeyKey} is not set: with {ClusterSettings.ProviderTypeKey}=Redis every node needs the same presenter key " +
                "(a key generated per node would let the presenter in on one node only).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "TESTS ONLY: {Setting}=true keeps this clustered node's embedded stream. Records sent to this node are scored by this node alone, " +
        "and are lost with it if it dies. Set {IngestSetting}=Kinesis for a real cluster.")]
    private static partial void LogNodeLocalStream(ILogger logger, string setting, string ingestSetting);
}
