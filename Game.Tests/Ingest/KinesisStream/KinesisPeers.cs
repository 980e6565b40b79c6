using Amazon.Runtime;
using Game.Server.Ingest;
using Game.Server.Ingest.KinesisStream;
using Game.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Game.Tests.Ingest.KinesisStream;

/// <summary>A Kinesis endpoint the client's tests run against, started once per test class.</summary>
public abstract class KinesisPeer : IAsyncLifetime
{
    /// <summary>Shards of the streams the tests set up (the embedded stream has a fixed number).</summary>
    public abstract int ShardCount { get; }

    /// <summary>Whether each test gets a stream of its own (else it shares one and tells its records apart by key).</summary>
    public abstract bool CreatesStreams { get; }

    public abstract AWSCredentials Credentials { get; }

    /// <summary>The region the client signs for.</summary>
    public string Region => "eu-west-1";

    public abstract string ServiceUrl { get; }

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    /// <summary>The handler that reaches the endpoint; the tests' own handlers go in front of it.</summary>
    public abstract HttpMessageHandler CreateHandler();

    /// <summary>A stream name for one test: a new stream where the peer can create one.</summary>
    public abstract string StreamName();

    public IngestOptions Options(string streamName, Action<KinesisStreamOptions>? tune = null)
    {
        var options = new IngestOptions
        {
            Provider = IngestProvider.Kinesis,
            StreamName = streamName,
            ShardCount = ShardCount,
            Kinesis = new KinesisStreamOptions
            {
                ServiceUrl = ServiceUrl,
                AuthenticationRegion = Region,
                ActiveTimeoutSeconds = 20,
                RetryBaseDelayMilliseconds = 5,
                RetryMaxDelayMilliseconds = 50,
            },
        };
        tune?.Invoke(options.Kinesis);
        return options;
    }

    /// <summary>A client through <paramref name="handlers"/> (outermost first) to the endpoint.</summary>
    public KinesisClient Client(IngestOptions options, params DelegatingHandler[] handlers) =>
        Client(options, Credentials, handlers);

    public KinesisClient Client(IngestOptions options, AWSCredentials credentials, params DelegatingHandler[] handlers)
    {
        var handler = CreateHandler();
        for (var i = handlers.Length - 1; i >= 0; i--)
        {
            handlers[i].InnerHandler = handler;
            handler = handlers[i];
        }

        return new KinesisClient(new HttpClient(handler), options.Kinesis, credentials, TimeProvider.System, NullLogger<KinesisClient>.Instance);
    }

    public static KinesisStreamSetup Setup(KinesisClient client, IngestOptions options) =>
        new(client, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, NullLogger<KinesisStreamSetup>.Instance);

    public static KinesisProducer Producer(KinesisClient client, IngestOptions options) =>
        new(client, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, NullLogger<KinesisProducer>.Instance);
}

/// <summary>kinesalite on loopback: checks the protocol, not the signatures' values.</summary>
public sealed class KinesalitePeer : KinesisPeer
{
    private readonly KinesaliteProcess _kinesalite = new();

    public override int ShardCount => 3;

    public override bool CreatesStreams => true;

    public override AWSCredentials Credentials { get; } = new BasicAWSCredentials("AKIDKINESALITE", "kinesalite-secret");

    public override string ServiceUrl => _kinesalite.Url;

    public string Output => _kinesalite.Output;

    public override Task InitializeAsync() => _kinesalite.StartAsync();

    public override async Task DisposeAsync() => await _kinesalite.DisposeAsync();

    public override HttpMessageHandler CreateHandler() => new SocketsHttpHandler();

    public override string StreamName() => "test-" + Guid.NewGuid().ToString("N")[..12];
}

/// <summary>
/// Our own server's Kinesis endpoint (in process), which checks SigV4 for real: what passes here proves the
/// client's signatures. One stream (<c>motion</c>, five shards) that cannot be created, only found.
/// </summary>
public sealed class EmbeddedEndpointPeer : KinesisPeer
{
    public const string AccessKeyId = "AKIDGAMELOCAL";
    public const string SecretAccessKey = "game-local-secret";
    public const int IteratorLifetimeSeconds = 3;

    private readonly InProcessServer _server = new(new Dictionary<string, string?>
    {
        ["Ingest:StreamName"] = "motion",
        ["Ingest:ShardCount"] = "5",
        ["Ingest:AccessKeyId"] = AccessKeyId,
        ["Ingest:SecretAccessKey"] = SecretAccessKey,
        ["Ingest:IteratorLifetimeSeconds"] = IteratorLifetimeSeconds.ToString(),
    }, []);

    public override int ShardCount => 5;

    public override bool CreatesStreams => false;

    public override AWSCredentials Credentials { get; } = new BasicAWSCredentials(AccessKeyId, SecretAccessKey);

    public override string ServiceUrl => "http://localhost/";

    public override Task InitializeAsync()
    {
        _ = _server.Server;
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync() => await _server.DisposeAsync();

    public override HttpMessageHandler CreateHandler() => _server.Server.CreateHandler();

    public override string StreamName() => "motion";
}
