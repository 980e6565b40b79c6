using Amazon;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Game.Server.Storage.DynamoDb;

/// <summary>
/// The DynamoDB store's one client and its six tables (see docs/storage.md), shared by its adapters
/// (<see cref="DynamoDbGameStore"/>, <see cref="DynamoDbShardLeaseStore"/>, <see cref="DynamoDbDeadLetterStore"/>,
/// <see cref="DynamoDbControlPlaneStore"/>, <see cref="DynamoDbAsyncEventStore"/>).
/// Runs against AWS or a local endpoint such as dynalite, so nothing here or in the adapters uses transactions.
/// </summary>
public sealed partial class DynamoDbTables : IStoreSetup, IDisposable
{
    private static readonly TimeSpan TablePollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan TableActiveTimeout = TimeSpan.FromMinutes(5);

    private readonly DynamoDbStorageOptions _options;
    private readonly StorageMetrics _metrics;
    private readonly ILogger<DynamoDbTables> _logger;
    private readonly AmazonDynamoDBClient _client;

    public DynamoDbTables(DynamoDbStorageOptions options, StorageMetrics metrics, TimeProvider time, ILogger<DynamoDbTables> logger)
    {
        _options = options;
        _metrics = metrics;
        _logger = logger;
        Time = time;
        _client = CreateClient(options);
        Games = options.TablePrefix + "Games";
        Scores = options.TablePrefix + "Scores";
        Leases = options.TablePrefix + "Leases";
        DeadLetters = options.TablePrefix + "DeadLetters";
        ControlPlane = options.TablePrefix + "ControlPlane";
        AsyncEvents = options.TablePrefix + "AsyncEvents";
    }

    public IAmazonDynamoDB Client => _client;

    /// <summary>The clock the adapters wait on between retries.</summary>
    public TimeProvider Time { get; }

    /// <summary>One item per game, keyed by <c>gameId</c>.</summary>
    public string Games { get; }

    /// <summary>One item per player and game (profile and ledger), keyed by <c>gameId</c> and <c>playerId</c>.</summary>
    public string Scores { get; }

    /// <summary>One item per shard lease, keyed by <c>leaseKey</c>.</summary>
    public string Leases { get; }

    /// <summary>One item per dead letter, keyed by <c>id</c>.</summary>
    public string DeadLetters { get; }

    /// <summary>Functions' configurations and event source mappings, keyed by <c>kind</c> and <c>id</c>.</summary>
    public string ControlPlane { get; }

    /// <summary>Queued Event invocations, keyed by <c>id</c> (the request id).</summary>
    public string AsyncEvents { get; }

    /// <summary>Creates missing tables (when <see cref="DynamoDbStorageOptions.CreateTables"/>) and waits until all are ACTIVE.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(
            EnsureTableAsync(Games, [Key("gameId", KeyType.HASH)], cancellationToken),
            EnsureTableAsync(Scores, [Key("gameId", KeyType.HASH), Key("playerId", KeyType.RANGE)], cancellationToken),
            EnsureTableAsync(Leases, [Key("leaseKey", KeyType.HASH)], cancellationToken),
            EnsureTableAsync(DeadLetters, [Key("id", KeyType.HASH)], cancellationToken),
            EnsureTableAsync(ControlPlane, [Key("kind", KeyType.HASH), Key("id", KeyType.RANGE)], cancellationToken),
            EnsureTableAsync(AsyncEvents, [Key("id", KeyType.HASH)], cancellationToken));

        static KeySchemaElement Key(string name, KeyType type) => new(name, type);
    }

    /// <summary>Counts one request of the given operation (<c>GetItem</c>, <c>UpdateItem</c>, …) in the store's metrics.</summary>
    public void Count(string operation) => _metrics.CountDynamoDbRequest(operation);

    public void Dispose() => _client.Dispose();

    private static AmazonDynamoDBClient CreateClient(DynamoDbStorageOptions options)
    {
        var config = new AmazonDynamoDBConfig
        {
            // Standard mode backs off with jitter on throttling (ProvisionedThroughputExceeded, RequestLimitExceeded).
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = 8,
        };

        if (string.IsNullOrEmpty(options.ServiceUrl))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
            return options is { AccessKeyId: { Length: > 0 } key, SecretAccessKey: { Length: > 0 } secret }
                ? new AmazonDynamoDBClient(new BasicAWSCredentials(key, secret), config)
                : new AmazonDynamoDBClient(config);
        }

        // A local endpoint checks no credentials, but the SDK signs every request and so needs some.
        config.ServiceURL = options.ServiceUrl;
        config.AuthenticationRegion = options.Region;
        var credentials = new BasicAWSCredentials(
            string.IsNullOrEmpty(options.AccessKeyId) ? "local" : options.AccessKeyId,
            string.IsNullOrEmpty(options.SecretAccessKey) ? "local" : options.SecretAccessKey);
        return new AmazonDynamoDBClient(credentials, config);
    }

    private async Task EnsureTableAsync(string table, List<KeySchemaElement> keys, CancellationToken cancellationToken)
    {
        if (await TableStatusAsync(table, keys, cancellationToken) is null)
        {
            if (!_options.CreateTables)
            {
                throw new InvalidOperationException(
                    $"The DynamoDB table '{table}' does not exist and Storage:DynamoDb:CreateTables is false. Create it, or set CreateTables to true.");
            }

            try
            {
                Count("CreateTable");
                await _client.CreateTableAsync(new CreateTableRequest
                {
                    TableName = table,
                    KeySchema = keys,
                    AttributeDefinitions = keys.Select(k => new AttributeDefinition(k.AttributeName, ScalarAttributeType.S)).ToList(),
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                }, cancellationToken);
                LogTableCreated(_logger, table);
            }
            catch (ResourceInUseException)
            {
                // Another server created it between our describe and create; waiting for it below is all we need.
            }
        }

        var deadline = Time.GetUtcNow() + TableActiveTimeout;
        while (await TableStatusAsync(table, keys, cancellationToken) != TableStatus.ACTIVE)
        {
            if (Time.GetUtcNow() >= deadline)
            {
                throw new TimeoutException($"The DynamoDB table '{table}' did not become ACTIVE within {TableActiveTimeout.TotalMinutes:0} minutes.");
            }

            await Task.Delay(TablePollInterval, Time, cancellationToken);
        }
    }

    private async Task<TableStatus?> TableStatusAsync(string table, List<KeySchemaElement> keys, CancellationToken cancellationToken)
    {
        try
        {
            Count("DescribeTable");
            var response = await _client.DescribeTableAsync(new DescribeTableRequest { TableName = table }, cancellationToken);
            CheckKeySchema(table, response.Table.KeySchema, keys);
            return response.Table.TableStatus;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    /// <summary>A table made by an older version with other keys cannot be written; say so rather than fail on the first write.</summary>
    private static void CheckKeySchema(string table, List<KeySchemaElement>? actual, List<KeySchemaElement> expected)
    {
        static string Describe(IEnumerable<KeySchemaElement> keys) =>
            string.Join(", ", keys.Select(k => $"{k.AttributeName} ({k.KeyType.Value})"));

        if (actual is not null && Describe(actual) != Describe(expected))
        {
            throw new InvalidOperationException(
                $"The DynamoDB table '{table}' has the keys {Describe(actual)}, but this version needs {Describe(expected)}. Delete the table (or use another Storage:DynamoDb:TablePrefix) and start again.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created DynamoDB table {Table}")]
    private static partial void LogTableCreated(ILogger logger, string table);
}
