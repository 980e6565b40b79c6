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
        await using var server = new KinesisProviderServer(kinesalite.Url, StreamName(), handlers: faults);
        server.Start();
        var (gameId, players) = await server.StartGameAsync(Players);

        await using var phones = new ResendingPhones(players, () => server.BaseUrl, BatchInterval);
        phones.Start();
        await phones.WaitForAcknowledgedAsync(120, Patience);
        await phones.StopAsync(Patience);

        await AssertScoresExactAsync(server, gameId, phones);
        Assert.True(faults.CallsOf("PutRecords") > 0 && faults.CallsOf("GetRecords") > 0, string.Join(", ", faults.Calls));
        // The SQLite stream is not even created, and our own Kinesis API is not served: the stream is kinesalite's.
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "stream-motion.db")));
        Assert.Empty(Directory.EnumerateFiles(server.DataDirectory, "stream-*.db"));
        using var http = new HttpClient();
        using var kinesisCall = new StringContent("{}");
        var answer = await http.PostAsync(server.BaseUrl + "/", kinesisCall);
        // GET / is the presenter page; with the Kinesis API mapped this would be its 400 for a missing X-Amz-Target.
        Assert.Equal(System.Net.HttpStatusCode.MethodNotAllowed, answer.StatusCode);
    }

    [Fact]
    public async Task Endpoint_RefusesOnePhoneRecord_ItIsResentAndCountedOnce()
    {
        var stream = StreamName();
        var (gameId, players, server, refuse) = await StartWithRefusalAsync(stream);
        await using (server)
        {
            await using var phones = new ResendingPhones(players, () => server.BaseUrl, BatchInterval);
            phones.Start();
            await phones.WaitForAcknowledgedAsync(60, Patience);
            await phones.StopAsync(Patience);

            Assert.Equal(1, refuse.Refused);
            await AssertScoresExactAsync(server, gameId, phones);
        }
    }

    [Fact]
    public async Task GetRecords_IteratorsExpireAndReadsAreThrottled_ScoresStayExact()
    {
        var faults = new KinesisFaults();
        await using var server = new KinesisProviderServer(kinesalite.Url, StreamName(), handlers: faults);
        server.Start();
        var (gameId, players) = await server.StartGameAsync(Players);
        await using var phones = new ResendingPhones(players, () => server.BaseUrl, BatchInterval);
        phones.Start();
        await phones.WaitForAcknowledgedAsync(40, Patience);

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
        await phones.StopAsync(Patience);

        await AssertScoresExactAsync(server, gameId, phones);
        output.WriteLine($"calls: {string.Join(", ", faults.Calls.OrderBy(c => c.Key))}");
    }

    [Fact]
    public async Task Endpoint_GoneForThreeSeconds_PhonesResendAndScoresStayExact()
    {
        var faults = new KinesisFaults();
        await using var server = new KinesisProviderServer(kinesalite.Url, StreamName(), handlers: faults);
        server.Start();
        var (gameId, players) = await server.StartGameAsync(Players);
        await using var phones = new ResendingPhones(players, () => server.BaseUrl, BatchInterval);
        phones.Start();
        await phones.WaitForAcknowledgedAsync(40, Patience);

        faults.Outage(TimeSpan.FromSeconds(3));
        await WaitUntilAsync(() => faults.OutageFailures > 0);
        await phones.WaitForAcknowledgedAsync(phones.AcknowledgedCount + 80, Patience);
        await phones.StopAsync(Patience);

        await AssertScoresExactAsync(server, gameId, phones);
        output.WriteLine($"{faults.OutageFailures} calls failed during the outage; calls: {string.Join(", ", faults.Calls.OrderBy(c => c.Key))}");
    }

    private async Task<(string, List<GameClient.JoinedPlayer>, KinesisProviderServer, RefuseOneRecordHandler)> StartWithRefusalAsync(string stream)
    {
        // The refusal needs the first player's id, known only after joining: a switch in front of the handler arms it then.
        var gate = new ArmedHandler();
        var server = new KinesisProviderServer(kinesalite.Url, stream, handlers: gate);
        server.Start();
        var (gameId, players) = await server.StartGameAsync(Players);
        var refuse = new RefuseOneRecordHandler(players[0].PlayerId, new BasicAWSCredentials("AKIDKINESALITE", "kinesalite-secret"), "eu-west-1");
        gate.Arm(refuse);
        return (gameId, players, server, refuse);
    }

    private async Task AssertScoresExactAsync(KinesisProviderServer server, string gameId, ResendingPhones phones)
    {
        var expected = phones.ExpectedLedgers().ToDictionary(e => e.Key, e => e.Value.Score);
        Assert.All(expected.Values, score => Assert.True(score > 0));
        var scores = await server.WaitForScoresAsync(gameId, expected, Patience);
        Assert.Equal(expected.OrderBy(e => e.Key), scores.OrderBy(e => e.Key));
        output.WriteLine($"{phones.AcknowledgedCount} batches acknowledged and scored exactly");
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
