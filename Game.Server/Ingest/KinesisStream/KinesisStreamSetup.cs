using Amazon.Runtime;
using Microsoft.Extensions.Options;

namespace Game.Server.Ingest.KinesisStream;

/// <summary>
/// At start, with <c>Ingest:Provider=Kinesis</c>: resolves the credentials, creates the stream when it does not
/// exist (<c>Ingest:ShardCount</c> shards) and waits until it is ACTIVE, within
/// <c>Ingest:Kinesis:ActiveTimeoutSeconds</c>. Several nodes may start at once: whoever creates the stream first
/// wins, the others see <see cref="ResourceInUseException"/> and wait like everyone else. Anything that cannot
/// be fixed by waiting stops the server with a message that names the setting.
/// </summary>
public sealed partial class KinesisStreamSetup(
    KinesisClient client,
    IOptions<IngestOptions> options,
    TimeProvider time,
    ILogger<KinesisStreamSetup> logger)
{
    /// <summary>How often the stream's status is asked while waiting for ACTIVE.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Completes when the stream is ACTIVE (or UPDATING, which takes reads and writes); throws <see cref="InvalidOperationException"/> when it will not be.</summary>
    public async Task<StreamDescriptionSummary> EnsureActiveAsync(CancellationToken cancellationToken)
    {
        var ingest = options.Value;
        var name = ingest.StreamName;
        var timeout = TimeSpan.FromSeconds(ingest.Kinesis.ActiveTimeoutSeconds);
        await ResolveCredentialsAsync();

        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var lastStatus = "unknown";
        var created = false;
        try
        {
            while (true)
            {
                try
                {
                    var summary = await client.DescribeStreamSummaryAsync(name, linked.Token);
                    lastStatus = summary.StreamStatus;
                    if (summary.StreamStatus is StreamStatus.Active or StreamStatus.Updating)
                    {
                        if (!created && summary.OpenShardCount != ingest.ShardCount)
                        {
                            LogShardCountDiffers(logger, name, summary.OpenShardCount, ingest.ShardCount);
                        }

                        LogActive(logger, name, summary.OpenShardCount, client.Endpoint);
                        return summary;
                    }
                }
                catch (ResourceNotFoundException)
                {
                    lastStatus = "not found";
                    created |= await CreateAsync(name, ingest.ShardCount, linked.Token);
                }

                await Task.Delay(PollInterval, time, linked.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException(
                $"The Kinesis stream '{name}' at {client.Endpoint} did not become ACTIVE within {ingest.Kinesis.ActiveTimeoutSeconds} s "
                + $"(Ingest:Kinesis:ActiveTimeoutSeconds); its last status was {lastStatus}.");
        }
        catch (KinesisAccessDeniedException ex)
        {
            throw new InvalidOperationException(
                $"The Kinesis endpoint {client.Endpoint} refused the credentials ({ex.ErrorType}: {ex.Message}): check the AWS credential chain "
                + "or Ingest:Kinesis:AccessKeyId/SecretAccessKey, and the permissions on the stream.", ex);
        }
        catch (Exception ex) when (ex is KinesisServiceException or HttpRequestException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"The Kinesis stream '{name}' could not be set up at {client.Endpoint} (Ingest:Kinesis:ServiceUrl / Ingest:Kinesis:Region): {ex.Message}", ex);
        }
    }

    private async Task ResolveCredentialsAsync()
    {
        try
        {
            await client.ResolveCredentialsAsync();
        }
        catch (AmazonClientException ex)
        {
            throw new InvalidOperationException(
                "Ingest:Provider=Kinesis needs AWS credentials, and none were found: set Ingest:Kinesis:AccessKeyId and Ingest:Kinesis:SecretAccessKey, "
                + "or give the AWS SDK's default chain some (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and a shared credentials file, "
                + $"a container or instance role). The SDK said: {ex.Message}", ex);
        }
    }

    /// <summary>Creates the stream; true when this node created it, false when another node was first.</summary>
    private async Task<bool> CreateAsync(string name, int shardCount, CancellationToken cancellationToken)
    {
        try
        {
            await client.CreateStreamAsync(name, shardCount, cancellationToken);
            LogCreated(logger, name, shardCount);
            return true;
        }
        catch (ResourceInUseException)
        {
            // Another node created it between our DescribeStreamSummary and CreateStream: wait for ACTIVE as it does.
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the Kinesis stream {Stream} with {ShardCount} shards")]
    private static partial void LogCreated(ILogger logger, string stream, int shardCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kinesis stream {Stream} is ACTIVE with {ShardCount} open shards at {Endpoint}")]
    private static partial void LogActive(ILogger logger, string stream, int shardCount, Uri endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kinesis stream {Stream} exists with {OpenShards} open shards; Ingest:ShardCount ({ShardCount}) only applies when the stream is created")]
    private static partial void LogShardCountDiffers(ILogger logger, string stream, int openShards, int shardCount);
}

/// <summary>Runs <see cref="KinesisStreamSetup"/> before the server takes traffic, when the provider is Kinesis.</summary>
internal sealed class KinesisStreamStartup(IOptions<IngestOptions> options, IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Provider == IngestProvider.Kinesis)
        {
            await services.GetRequiredService<KinesisStreamSetup>().EnsureActiveAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
