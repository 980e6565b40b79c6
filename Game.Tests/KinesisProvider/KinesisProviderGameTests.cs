using Amazon.Runtime;
using Game.Server.Ingest.KinesisStream;
using Game.Tests.Infrastructure;
using Game.Tests.Ingest.KinesisStream;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Game.Tests.KinesisProvider;

/// <summary>One kinesalite for the class; each test gets its own stream, server and tables.</summary>
public sealed class KinesaliteFixture : IAsyncLifetime
{
    private readonly KinesaliteProcess _kinesalite = new();

    public const string AccessKeyId = "AKIDKINESALITE";
    public const string SecretAccessKey = "kinesalite-secret";
    public const string Region = "eu-west-1";

    public string Url => _kinesalite.Url;

    public string Output => _kinesalite.Output;

    /// <summary>A client of the test's own on kinesalite (to list, split and merge shards beside the servers).</summary>
    public KinesisClient Client() => new(
        new HttpClient(),
        new KinesisStreamOptions { ServiceUrl = Url, AuthenticationRegion = Region },
        new BasicAWSCredentials(AccessKeyId, SecretAccessKey),
        TimeProvider.System,
        NullLogger<KinesisClient>.Instance);

    public Task InitializeAsync() => _kinesalite.StartAsync();

    public Task DisposeAsync() => _kinesalite.DisposeAsync().AsTask();
}

/// <summary>
/// The real server with <c>Ingest:Provider=Kinesis</c> on kinesalite and the DynamoDB store on dynalite: phones
/// play over SignalR, the producer writes to kinesalite, the event source reads it back with GetRecords, and every
/// acknowledged batch counts exactly once, also when the endpoint refuses a record, expires iterators, throttles
/// reads or is gone for a few seconds.
/// </summary>
public sealed class KinesisProviderGameTests(KinesaliteFixture kinesalite, ITestOutputHelper output) : IClassFixture<KinesaliteFixture>
{
    private const int Players = 6;
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Phones_PlayAGameOnKinesalite_ScoresExactAndTheEmbeddedStreamIsNeverOpened()
    {
        var faults = new KinesisFaults();
        await using var round = await PlayAsync(faults, acknowledged: 120);
        await round.StopAndAssertExactAsync(output);

        Assert.True(faults.CallsOf("PutRecords") > 0 && faults.CallsOf("GetRecords") > 0, string.Join(", ", faults.Calls));
        // The SQLite stream is not even created, and our own Kinesis API is not served: the stream is kinesalite's.
        Assert.False(File.Exists(Path.Combine(round.Server.DataDirectory, "stream-motion.db")));
        Assert.Empty(Directory.EnumerateFiles(round.Server.DataDirectory, "stream-*.db"));
        using var http = new HttpClient();
        using var kinesisCall = new StringContent("{}");
        var answer = await http.PostAsync(round.Server.BaseUrl + "/", kinesisCall);
        // GET / is the presenter page; with the Kinesis API mapped this would be its 400 for a missing X-Amz-Target.
        Assert.Equal(System.Net.HttpStatusCode.MethodNotAllowed, answer.StatusCode);
    }

    [Fact]
    public async Task Endpoint_RefusesOnePhoneRecord_ItIsResentAndCountedOnce()
    {
        // The refusal needs the first player's id, known only after joining: a switch in front of the handler arms it then.
        var gate = new ArmedHandler();
        RefuseOneRecordHandler? refuse = null;
        await using var round = await PlayAsync(gate, acknowledged: 60, beforePhones: players =>
        {
            refuse = new RefuseOneRecordHandler(players[0].PlayerId, new BasicAWSCredentials(KinesaliteFixture.AccessKeyId, KinesaliteFixture.SecretAccessKey), KinesaliteFixture.Region);
            gate.Arm(refuse);
        });
        await round.StopAndAssertExactAsync(output);

        Assert.Equal(1, refuse!.Refused);
    }

    [Fact]
    public async Task GetRecords_IteratorsExpireAndReadsAreThrottled_ScoresStayExact()
    {
        var faults = new KinesisFaults();
        await using var round = await PlayAsync(faults, acknowledged: 40);
        var phones = round.Phones;

        var iteratorsBefore = faults.CallsOf("GetShardIterator");
        faults.ExpireIterators(3);
        await WaitUntilAsync(() => faults.ExpiredAnswered == 3);
        await phones.WaitForAcknowledgedAsync(phones.AcknowledgedCount + 40, Patience);
        // Every expired iterator is got again (after the last record fetched), not the whole shard reopened.
        Assert.True(faults.CallsOf("GetShardIterator") - iteratorsBefore >= 3, $"{faults.CallsOf("GetShardIterator") - iteratorsBefore} GetShardIterator calls after 3 expiries");

        // More throttling than the client retries (5): the cursor backs off on its own and reads on.
        faults.ThrottleGetRecords(15);
        await WaitUntilAsync(() => faults.ThrottledAnswered == 15);
        await phones.WaitForAcknowledgedAsync(phones.AcknowledgedCount + 40, Patience);
        await round.StopAndAssertExactAsync(output);
        output.WriteLine($"calls: {string.Join(", ", faults.Calls.OrderBy(c => c.Key))}");
    }

    [Fact]
    public async Task Endpoint_GoneForThreeSeconds_PhonesResendAndScoresStayExact()
    {
        var faults = new KinesisFaults();
        await using var round = await PlayAsync(faults, acknowledged: 40);

        faults.Outage(TimeSpan.FromSeconds(3));
        await WaitUntilAsync(() => faults.OutageFailures > 0);
        await round.Phones.WaitForAcknowledgedAsync(round.Phones.AcknowledgedCount + 80, Patience);
        await round.StopAndAssertExactAsync(output);
        output.WriteLine($"{faults.OutageFailures} calls failed during the outage; calls: {string.Join(", ", faults.Calls.OrderBy(c => c.Key))}");
    }

    /// <summary>
    /// What every test here starts from: a server on a stream of its own whose Kinesis client goes through
    /// <paramref name="handler"/>, a running game of <see cref="Players"/> players, and their phones playing until
    /// <paramref name="acknowledged"/> batches were acknowledged.
    /// </summary>
    /// <param name="handler">What the server's Kinesis client calls go through (a fault injector, say).</param>
    /// <param name="acknowledged">How many batches the phones have had acknowledged, all together, when this answers.</param>
    /// <param name="beforePhones">Runs once the players joined, before any phone sends (to arm a handler that needs their ids).</param>
    private async Task<PlayingRound> PlayAsync(DelegatingHandler handler, long acknowledged, Action<IReadOnlyList<GameClient.JoinedPlayer>>? beforePhones = null)
    {
        var server = new KinesisProviderServer(kinesalite.Url, StreamName(), handlers: handler);
        ResendingPhones? phones = null;
        try
        {
            server.Start();
            var (gameId, players) = await server.StartGameAsync(Players);
            beforePhones?.Invoke(players);
            phones = new ResendingPhones(players, () => server.BaseUrl, BatchInterval);
            phones.Start();
            await phones.WaitForAcknowledgedAsync(acknowledged, Patience);
            return new PlayingRound(server, gameId, phones);
        }
        catch
        {
            if (phones is not null)
            {
                await phones.DisposeAsync();
            }

            await server.DisposeAsync();
            throw;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(20);
        }
    }

    private static string StreamName() => "game-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A server with phones playing its game; disposing stops the phones, then the server.</summary>
    private sealed class PlayingRound(KinesisProviderServer server, string gameId, ResendingPhones phones) : IAsyncDisposable
    {
        public KinesisProviderServer Server => server;

        public ResendingPhones Phones => phones;

        /// <summary>Stops the phones, every batch acknowledged, and checks that every player's score is exactly what its acknowledged batches make.</summary>
        public async Task StopAndAssertExactAsync(ITestOutputHelper output)
        {
            await phones.StopAsync(Patience);
            var expected = phones.ExpectedLedgers().ToDictionary(e => e.Key, e => e.Value.Score);
            Assert.All(expected.Values, score => Assert.True(score > 0));
            var scores = await server.WaitForScoresAsync(gameId, expected, Patience);
            Assert.Equal(expected.OrderBy(e => e.Key), scores.OrderBy(e => e.Key));
            output.WriteLine($"{phones.AcknowledgedCount} batches acknowledged and scored exactly");
        }

        public async ValueTask DisposeAsync()
        {
            await phones.DisposeAsync();
            await server.DisposeAsync();
        }
    }
}

/// <summary>Passes calls through until armed with a handler, then sends them through that handler too.</summary>
public sealed class ArmedHandler : DelegatingHandler
{
    private DelegatingHandler? _armed;

    public void Arm(DelegatingHandler handler)
    {
        handler.InnerHandler = new Forward(this);
        Volatile.Write(ref _armed, handler);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Volatile.Read(ref _armed) is { } armed
            ? new HttpMessageInvoker(armed, disposeHandler: false).SendAsync(request, cancellationToken)
            : base.SendAsync(request, cancellationToken);

    private Task<HttpResponseMessage> SendInnerAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    private sealed class Forward(ArmedHandler owner) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            owner.SendInnerAsync(request, cancellationToken);
    }
}
