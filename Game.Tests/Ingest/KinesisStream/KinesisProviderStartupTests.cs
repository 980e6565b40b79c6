using System.Text;
using Amazon.Runtime;
using Game.Server.Ingest;
using Game.Server.Ingest.KinesisStream;
using Game.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Game.Tests.Ingest.KinesisStream;

/// <summary>
/// The real host with <c>Ingest:Provider</c>: the producer port it registers, the stream it sets up at start, and
/// the bad configurations it refuses at start with a message that names the setting.
/// </summary>
public sealed class KinesisProviderStartupTests(KinesalitePeer kinesalite) : IClassFixture<KinesalitePeer>
{
    [Fact]
    public async Task Start_DefaultProvider_RegistersTheEmbeddedProducer()
    {
        await using var server = new InProcessServer(new Dictionary<string, string?>(), []);

        var producer = server.Services.GetRequiredService<IRecordProducer>();

        Assert.IsType<EmbeddedRecordProducer>(producer);
        var result = await producer.AppendAsync(new AppendRequest("player-1", Encoding.UTF8.GetBytes("hello")));
        Assert.True(result.Succeeded, result.ErrorCode);
        Assert.StartsWith("shardId-", result.ShardId);
    }

    [Fact]
    public async Task Start_KinesisProviderOnAMissingStream_CreatesItAndTheProducerAppendsToIt()
    {
        var stream = kinesalite.StreamName();
        await using var server = new InProcessServer(KinesisSettings(stream), []);

        var producer = server.Services.GetRequiredService<IRecordProducer>();
        var result = await producer.AppendAsync(new AppendRequest("player-7", Encoding.UTF8.GetBytes("motion")));

        Assert.IsType<KinesisProducer>(producer);
        Assert.True(result.Succeeded, result.ErrorCode);
        var options = kinesalite.Options(stream);
        var client = kinesalite.Client(options);
        Assert.Equal(2, (await client.DescribeStreamSummaryAsync(stream)).OpenShardCount);
        var iterator = await client.GetShardIteratorAsync(new GetShardIteratorRequest(stream, result.ShardId, ShardIteratorType.TrimHorizon));
        var record = Assert.Single((await client.GetRecordsAsync(new GetRecordsRequest(iterator))).Records);
        Assert.Equal(("player-7", "motion", result.SequenceNumber), (record.PartitionKey, Encoding.UTF8.GetString(record.Data), record.SequenceNumber));
    }

    [Theory]
    [InlineData("Kinesys", null, null, "Ingest:Provider")]
    [InlineData("Kinesis", null, null, "Ingest:Provider=Kinesis needs Ingest:Kinesis:ServiceUrl (any Kinesis endpoint) or Ingest:Kinesis:Region (AWS); neither is set.")]
    [InlineData("Kinesis", "http://127.0.0.1:1", "eu-west-1", "Ingest:Kinesis:ServiceUrl and Ingest:Kinesis:Region are both set")]
    [InlineData("Kinesis", "not a url", null, "Ingest:Kinesis:ServiceUrl must be an absolute http(s) URL, not 'not a url'.")]
    [InlineData("Kinesis", null, "Mars", "Ingest:Kinesis:Region must be an AWS region such as eu-west-1, not 'Mars'.")]
    public async Task Start_BadProviderSettings_IsRefusedNamingTheSetting(string provider, string? serviceUrl, string? region, string expected)
    {
        var settings = new Dictionary<string, string?> { ["Ingest:Provider"] = provider };
        if (serviceUrl is not null)
        {
            settings["Ingest:Kinesis:ServiceUrl"] = serviceUrl;
        }

        if (region is not null)
        {
            settings["Ingest:Kinesis:Region"] = region;
        }

        await using var server = new InProcessServer(settings, []);

        var error = Record.Exception(() => server.Services);

        Assert.NotNull(error);
        Assert.Contains(expected, error.ToString());
    }

    [Fact]
    public async Task Start_KinesisProviderWithoutCredentials_IsRefusedNamingWhereCredentialsComeFrom()
    {
        var settings = KinesisSettings(kinesalite.StreamName());
        settings.Remove("Ingest:Kinesis:AccessKeyId");
        settings.Remove("Ingest:Kinesis:SecretAccessKey");
        // The SDK's chain fails this way where it finds nothing (its look-ups depend on the machine, so the failure is stood in for).
        await using var server = new InProcessServer(settings, [], configureServices: services =>
        {
            services.RemoveAllKeyed<AWSCredentials>(KinesisClient.CredentialsKey);
            services.AddKeyedSingleton<AWSCredentials>(KinesisClient.CredentialsKey, new UnresolvableCredentials());
        });

        var error = Record.Exception(() => server.Services);

        Assert.NotNull(error);
        Assert.Contains("Ingest:Provider=Kinesis needs AWS credentials, and none were found: set Ingest:Kinesis:AccessKeyId and Ingest:Kinesis:SecretAccessKey", error.ToString());
    }

    [Fact]
    public async Task Start_KinesisAccessKeyWithoutItsSecret_IsRefusedNamingBoth()
    {
        var settings = KinesisSettings(kinesalite.StreamName());
        settings.Remove("Ingest:Kinesis:SecretAccessKey");
        await using var server = new InProcessServer(settings, []);

        var error = Record.Exception(() => server.Services);

        Assert.NotNull(error);
        Assert.Contains("Ingest:Kinesis:AccessKeyId and Ingest:Kinesis:SecretAccessKey go together", error.ToString());
    }

    private Dictionary<string, string?> KinesisSettings(string stream) => new()
    {
        ["Ingest:Provider"] = "Kinesis",
        ["Ingest:StreamName"] = stream,
        ["Ingest:ShardCount"] = "2",
        ["Ingest:Kinesis:ServiceUrl"] = kinesalite.ServiceUrl,
        ["Ingest:Kinesis:AccessKeyId"] = "AKIDKINESALITE",
        ["Ingest:Kinesis:SecretAccessKey"] = "kinesalite-secret",
    };

    private sealed class UnresolvableCredentials : AWSCredentials
    {
        public override ImmutableCredentials GetCredentials() =>
            throw new AmazonClientException("Failed to resolve AWS credentials. The credential providers used to search for credentials returned the following errors: none set.");
    }
}
