using Amazon.DynamoDBv2.Model;
using Game.Functions.Contracts;
using Game.Server.EventSources.Leases;
using Game.Server.Functions.AsyncInvocations;
using Game.Server.Functions.ControlPlane;
using Game.Server.Storage;
using Game.Server.Storage.DynamoDb;
using Microsoft.Extensions.Logging.Abstractions;

namespace Game.Tests.Storage;

/// <summary>
/// The DynamoDB store over one set of tables (dynalite, started by <c>./scripts/test</c>), as the server wires it,
/// with metrics of its own.
/// </summary>
public sealed class DynamoDbTestStore : ITestStore
{
    /// <summary>Where <c>./scripts/test</c> puts dynalite's URL.</summary>
    public const string EndpointVariable = "GAME_TEST_DYNAMODB_URL";

    /// <summary>Every table name this store creates, after the prefix.</summary>
    public static readonly IReadOnlyList<string> TableNames = ["Games", "Scores", "Leases", "DeadLetters", "ControlPlane", "AsyncEvents"];

    private static readonly string RunPrefix = $"test{Guid.NewGuid():N}"[..12];
    private static int s_storeCount;

    private readonly StorageMetrics _metrics = new();
    private readonly bool _ownsTables;

    private DynamoDbTestStore(DynamoDbStorageOptions options, bool ownsTables, TimeProvider? time = null)
    {
        Options = options;
        Tables = new DynamoDbTables(options, _metrics, time ?? TimeProvider.System, NullLogger<DynamoDbTables>.Instance);
        Games = new DynamoDbGameStore(Tables, NullLogger<DynamoDbGameStore>.Instance);
        Leases = new DynamoDbShardLeaseStore(Tables, NullLogger<DynamoDbShardLeaseStore>.Instance);
        DeadLetters = new DynamoDbDeadLetterStore(Tables);
        ControlPlane = new DynamoDbControlPlaneStore(Tables);
        AsyncEvents = new DynamoDbAsyncEventStore(Tables);
        _ownsTables = ownsTables;
    }

    public DynamoDbStorageOptions Options { get; }

    public DynamoDbTables Tables { get; }

    public IGameStore Games { get; }

    public IShardLeaseStore Leases { get; }

    public IDeadLetterStore DeadLetters { get; }

    public IControlPlaneStore ControlPlane { get; }

    public IAsyncEventStore AsyncEvents { get; }

    /// <summary>
    /// The test endpoint's options with a table prefix of their own, unique to this run and call, so tests and
    /// concurrent runs never see each other's rows.
    /// </summary>
    /// <exception cref="InvalidOperationException">No endpoint: the suite must not silently leave DynamoDB out.</exception>
    public static DynamoDbStorageOptions UniqueOptions() => new()
    {
        ServiceUrl = Environment.GetEnvironmentVariable(EndpointVariable) is { Length: > 0 } url
            ? url
            : throw new InvalidOperationException(
                $"{EndpointVariable} is not set, so there is no DynamoDB endpoint to test against. Run ./scripts/test, which starts dynalite and sets it."),
        TablePrefix = $"{RunPrefix}_{Interlocked.Increment(ref s_storeCount)}_",
    };

    /// <summary>New, empty tables on the test endpoint, deleted again on dispose; the store waits on <paramref name="time"/> (default the system clock).</summary>
    public static async Task<DynamoDbTestStore> CreateTemporaryAsync(CancellationToken cancellationToken, TimeProvider? time = null)
    {
        var store = new DynamoDbTestStore(UniqueOptions(), ownsTables: true, time);
        try
        {
            await store.Tables.InitializeAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>Tables that exist already (a server's, say); neither created nor deleted.</summary>
    public static DynamoDbTestStore Open(DynamoDbStorageOptions options) => new(options, ownsTables: false);

    public Task<string?> ReadCheckpointAsync(string leaseKey, CancellationToken cancellationToken) =>
        LeaseCheckpoints.ReadAsync(Tables, leaseKey, cancellationToken);

    /// <summary>Deletes every table of <paramref name="prefix"/> that exists.</summary>
    public async Task DeleteTablesAsync(string prefix)
    {
        foreach (var table in TableNames)
        {
            try
            {
                await Tables.Client.DeleteTableAsync(prefix + table);
            }
            catch (ResourceNotFoundException)
            {
                // Initialisation failed before creating it.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_ownsTables)
            {
                await DeleteTablesAsync(Options.TablePrefix);
            }
        }
        finally
        {
            Tables.Dispose();
            _metrics.Dispose();
        }
    }
}
