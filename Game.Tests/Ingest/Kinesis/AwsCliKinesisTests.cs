using System.Diagnostics;
using System.Text.Json;
using Game.Tests.Infrastructure;

namespace Game.Tests.Ingest.Kinesis;

/// <summary>Our server, its Kinesis API driven by Debian's AWS CLI v2 (<c>/usr/bin/aws</c>) the way its users type it.</summary>
public sealed class AwsCliServerFixture : IAsyncLifetime
{
    private static readonly string Cli = Environment.GetEnvironmentVariable("GAME_TEST_AWSCLI") is { Length: > 0 } configured ? configured : "/usr/bin/aws";

    private readonly ServerProcess _server = new(new Dictionary<string, string>
    {
        ["Ingest:StreamName"] = "motion",
        ["Ingest:ShardCount"] = "4",
        ["Ingest:AccessKeyId"] = KinesisSdkFixture.AccessKeyId,
        ["Ingest:SecretAccessKey"] = KinesisSdkFixture.SecretAccessKey,
    });

    public string Endpoint => _server.BaseUrl;

    public string Output => _server.Output;

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Runs an <c>aws</c> command that must succeed and answers its JSON output (an empty object for none).</summary>
    public async Task<JsonElement> Aws(params string[] arguments)
    {
        var (exit, output, error) = await RunAsync(arguments);
        Assert.True(exit == 0, $"aws {string.Join(' ', arguments)} exited with {exit}:\n{error}\n{output}\n{Output}");
        return output.Trim().Length == 0 ? JsonDocument.Parse("{}").RootElement : JsonDocument.Parse(output).RootElement.Clone();
    }

    public async Task<(int Exit, string Output, string Error)> RunAsync(params string[] arguments)
    {
        if (!File.Exists(Cli))
        {
            throw new InvalidOperationException($"{Cli} is missing: install Debian's awscli (scripts/test does), or set GAME_TEST_AWSCLI.");
        }

        var home = Path.Combine(Path.GetTempPath(), "game-awscli-" + Environment.ProcessId);
        var start = new ProcessStartInfo(Cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["AWS_ACCESS_KEY_ID"] = KinesisSdkFixture.AccessKeyId,
                ["AWS_SECRET_ACCESS_KEY"] = KinesisSdkFixture.SecretAccessKey,
                ["AWS_DEFAULT_REGION"] = "us-east-1",
                // Nothing from whoever runs the tests: no profile, no pager, no instance metadata, no retries.
                ["AWS_CONFIG_FILE"] = Path.Combine(home, "config"),
                ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(home, "credentials"),
                ["AWS_PAGER"] = "",
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                ["AWS_MAX_ATTEMPTS"] = "1",
                ["HOME"] = home,
            },
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--endpoint-url");
        start.ArgumentList.Add(Endpoint);
        start.ArgumentList.Add("--output");
        start.ArgumentList.Add("json");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}

/// <summary>
/// <c>aws kinesis …</c> commands against our server, as an operator would type them (credentials from the
/// environment, <c>--endpoint-url</c>). The CLI is Debian's <c>awscli</c> package (2.9.19), which scripts/test
/// installs; <c>GAME_TEST_AWSCLI</c> points elsewhere. Each test uses a stream of its own.
/// </summary>
public sealed class AwsCliKinesisTests(AwsCliServerFixture server) : IClassFixture<AwsCliServerFixture>
{
    [Fact]
    public async Task CreateDescribeTagRetainDelete_AsTyped_DoWhatTheCliSays()
    {
        await server.Aws("kinesis", "create-stream", "--stream-name", "cli-stream", "--shard-count", "3");

        var description = (await server.Aws("kinesis", "describe-stream", "--stream-name", "cli-stream")).GetProperty("StreamDescription");
        Assert.Equal("ACTIVE", description.GetProperty("StreamStatus").GetString());
        Assert.Equal(["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"],
            description.GetProperty("Shards").EnumerateArray().Select(s => s.GetProperty("ShardId").GetString()));
        Assert.Equal("arn:aws:kinesis:us-east-1:000000000000:stream/cli-stream", description.GetProperty("StreamARN").GetString());

        // The CLI pages DescribeStream itself (ExclusiveStartShardId) when told a page size.
        var paged = await server.Aws("kinesis", "describe-stream", "--stream-name", "cli-stream", "--page-size", "1");
        Assert.Equal(3, paged.GetProperty("StreamDescription").GetProperty("Shards").GetArrayLength());

        var streams = await server.Aws("kinesis", "list-streams");
        Assert.Equal(["cli-stream", "motion"], streams.GetProperty("StreamNames").EnumerateArray().Select(n => n.GetString()));

        await server.Aws("kinesis", "add-tags-to-stream", "--stream-name", "cli-stream", "--tags", "team=blue,env=test");
        var tags = await server.Aws("kinesis", "list-tags-for-stream", "--stream-name", "cli-stream");
        Assert.Equal(["env=test", "team=blue"], tags.GetProperty("Tags").EnumerateArray().Select(t => $"{t.GetProperty("Key").GetString()}={t.GetProperty("Value").GetString()}"));
        await server.Aws("kinesis", "remove-tags-from-stream", "--stream-name", "cli-stream", "--tag-keys", "env");

        await server.Aws("kinesis", "increase-stream-retention-period", "--stream-name", "cli-stream", "--retention-period-hours", "72");
        var summary = (await server.Aws("kinesis", "describe-stream-summary", "--stream-arn", "arn:aws:kinesis:us-east-1:000000000000:stream/cli-stream"))
            .GetProperty("StreamDescriptionSummary");
        Assert.Equal(72, summary.GetProperty("RetentionPeriodHours").GetInt32());
        Assert.Equal(3, summary.GetProperty("OpenShardCount").GetInt32());

        var put = await server.Aws("kinesis", "put-record", "--stream-name", "cli-stream", "--partition-key", "player-1", "--data", "aGVsbG8=");
        var latest = await server.Aws("kinesis", "list-shards", "--stream-name", "cli-stream", "--shard-filter", "Type=AT_LATEST");
        Assert.Contains(put.GetProperty("ShardId").GetString(), latest.GetProperty("Shards").EnumerateArray().Select(s => s.GetProperty("ShardId").GetString()));

        await server.Aws("kinesis", "delete-stream", "--stream-name", "cli-stream");
        var (exit, _, error) = await server.RunAsync("kinesis", "describe-stream", "--stream-name", "cli-stream");
        Assert.NotEqual(0, exit);
        Assert.Contains("ResourceNotFoundException", error);
    }

    [Fact]
    public async Task CreateStream_ExistingOrForeignArn_FailsWithKinesisErrors()
    {
        var (exit, _, error) = await server.RunAsync("kinesis", "create-stream", "--stream-name", "motion", "--shard-count", "1");
        Assert.NotEqual(0, exit);
        Assert.Contains("ResourceInUseException", error);

        (exit, _, error) = await server.RunAsync("kinesis", "describe-stream", "--stream-arn", "arn:aws:kinesis:us-east-1:123456789012:stream/motion");
        Assert.NotEqual(0, exit);
        Assert.Contains("AccessDeniedException", error);

        (exit, _, error) = await server.RunAsync("kinesis", "delete-stream", "--stream-name", "motion");
        Assert.NotEqual(0, exit);
        Assert.Contains("ResourceInUseException", error);
    }

    [Fact]
    public async Task SplitShardThenUpdateShardCount_AsTyped_ReshardTheStream()
    {
        await server.Aws("kinesis", "create-stream", "--stream-name", "cli-reshard", "--shard-count", "2");
        var quarter = (ShardMapQuarter()).ToString();

        await server.Aws("kinesis", "split-shard", "--stream-name", "cli-reshard", "--shard-to-split", "shardId-000000000000", "--new-starting-hash-key", quarter);
        await WaitUntilActive("cli-reshard");
        Assert.Equal(["shardId-000000000001", "shardId-000000000002", "shardId-000000000003"], await OpenShards("cli-reshard"));

        var update = await server.Aws("kinesis", "update-shard-count", "--stream-name", "cli-reshard", "--target-shard-count", "4", "--scaling-type", "UNIFORM_SCALING");
        Assert.Equal((3, 4), (update.GetProperty("CurrentShardCount").GetInt32(), update.GetProperty("TargetShardCount").GetInt32()));
        await WaitUntilActive("cli-reshard");
        Assert.Equal(4, (await OpenShards("cli-reshard")).Length);
        var all = await server.Aws("kinesis", "describe-stream", "--stream-name", "cli-reshard");
        Assert.All(all.GetProperty("StreamDescription").GetProperty("Shards").EnumerateArray().Skip(2),
            shard => Assert.True(shard.TryGetProperty("ParentShardId", out _), $"{shard} has no parent"));

        var (exit, _, error) = await server.RunAsync("kinesis", "update-shard-count", "--stream-name", "cli-reshard", "--target-shard-count", "9", "--scaling-type", "UNIFORM_SCALING");
        Assert.NotEqual(0, exit);
        Assert.Contains("LimitExceededException", error);
        await server.Aws("kinesis", "delete-stream", "--stream-name", "cli-reshard");
    }

    private static System.Numerics.BigInteger ShardMapQuarter() => (System.Numerics.BigInteger.One << 128) / 4;

    private async Task<string[]> OpenShards(string stream) =>
        (await server.Aws("kinesis", "list-shards", "--stream-name", stream, "--shard-filter", "Type=AT_LATEST"))
            .GetProperty("Shards").EnumerateArray().Select(s => s.GetProperty("ShardId").GetString()!).ToArray();

    /// <summary>Resharding answers at once and the stream is UPDATING until it is applied (milliseconds here).</summary>
    private async Task WaitUntilActive(string stream)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await server.Aws("kinesis", "describe-stream-summary", "--stream-name", stream)).GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString() != "ACTIVE")
        {
            Assert.True(DateTime.UtcNow < deadline, $"{stream} stayed UPDATING");
        }
    }
}
