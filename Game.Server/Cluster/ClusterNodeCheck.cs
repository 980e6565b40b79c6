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
/// <remarks>
/// <see cref="ThrowIfRefused"/> runs while the host is built: options validation at start would come too late, since
/// constructing the silo's hosted service already connects to Redis. <see cref="Validate"/> runs again at start
/// (<c>ValidateOnStart</c>) to log the tests-only escape hatch once a logger exists.
/// </remarks>
public sealed partial class ClusterNodeCheck(ILogger<ClusterNodeCheck> logger) : IValidateOptions<ClusterNodeSettings>
{
    /// <summary>Throws <see cref="OptionsValidationException"/> listing every refused setting; nothing for a single node.</summary>
    public static void ThrowIfRefused(IConfiguration configuration)
    {
        var node = new ClusterNodeSettings();
        node.Read(configuration);
        if (Failures(node) is { Count: > 0 } failures)
        {
            throw new OptionsValidationException(nameof(ClusterNodeSettings), typeof(ClusterNodeSettings), failures);
        }
    }

    public ValidateOptionsResult Validate(string? name, ClusterNodeSettings node)
    {
        var failures = Failures(node);
        if (failures.Count == 0 && node.IsCluster && node.AllowNodeLocalStream && !IsKinesis(node))
        {
            LogNodeLocalStream(logger, ClusterSettings.AllowNodeLocalStreamKey, ClusterSettings.IngestProviderKey);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every setting that keeps this node from joining a cluster, each message naming it; empty when it may.</summary>
    public static List<string> Failures(ClusterNodeSettings node)
    {
        var failures = new List<string>();
        if (!node.IsCluster)
        {
            return failures;
        }

        if (string.IsNullOrWhiteSpace(node.ConnectionString))
        {
            failures.Add($"ConnectionStrings:{node.ConnectionName} is not set: with {ClusterSettings.ProviderTypeKey}=Redis every node needs the Redis connection string.");
        }

        if (!string.Equals(node.StorageProvider, "DynamoDb", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{ClusterSettings.StorageProviderKey} is {node.StorageProvider ?? "Embedded (the default)"}: the embedded store is node-local; " +
                $"with {ClusterSettings.ProviderTypeKey}=Redis set {ClusterSettings.StorageProviderKey}=DynamoDb so every node reads and writes the same tables.");
        }

        if (!IsKinesis(node) && !node.AllowNodeLocalStream)
        {
            failures.Add($"{ClusterSettings.IngestProviderKey} is {node.IngestProvider ?? "Embedded (the default)"}: the embedded stream is node-local; " +
                $"with {ClusterSettings.ProviderTypeKey}=Redis set {ClusterSettings.IngestProviderKey}=Kinesis so every node writes to and reads from the same stream.");
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

        return failures;
    }

    private static bool IsKinesis(ClusterNodeSettings node) => string.Equals(node.IngestProvider, "Kinesis", StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "TESTS ONLY: {Setting}=true keeps this clustered node's embedded stream. Records sent to this node are scored by this node alone, " +
        "and are lost with it if it dies. Set {IngestSetting}=Kinesis for a real cluster.")]
    private static partial void LogNodeLocalStream(ILogger logger, string setting, string ingestSetting);
}
