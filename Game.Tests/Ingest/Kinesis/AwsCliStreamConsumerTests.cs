using System.Diagnostics;
using System.Text.Json;

namespace Game.Tests.Ingest.Kinesis;

/// <summary>
/// Stream consumers through Debian's AWS CLI v2 (<c>/usr/bin/aws</c>, 2.9.19) as its users type the commands. The CLI
/// has no <c>subscribe-to-shard</c>: it removes the command (it cannot read an event stream), so SubscribeToShard is
/// tested with the JavaScript SDK only (GameServerFanOutSdkTests).
/// </summary>
public sealed class AwsCliStreamConsumerTests(AwsCliServerFixture server) : IClassFixture<AwsCliServerFixture>
{
    private const string StreamArn = "arn:aws:kinesis:us-east-1:000000000000:stream/cli-consumers";

    private static readonly string Cli = Environment.GetEnvironmentVariable("GAME_TEST_AWSCLI") is { Length: > 0 } configured ? configured : "/usr/bin/aws";

    [Fact]
    public async Task StreamConsumerCommands_AsTyped_RegisterDescribeListAndDeregister()
    {
        await Aws("kinesis", "create-stream", "--stream-name", "cli-consumers", "--shard-count", "1");

        var registered = (await Aws("kinesis", "register-stream-consumer", "--stream-arn", StreamArn, "--consumer-name", "dashboard")).GetProperty("Consumer");
        var arn = registered.GetProperty("ConsumerARN").GetString()!;
        Assert.Equal("CREATING", registered.GetProperty("ConsumerStatus").GetString());
        Assert.StartsWith(StreamArn + "/consumer/dashboard:", arn);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        string? status;
        do
        {
            status = (await Aws("kinesis", "describe-stream-consumer", "--consumer-arn", arn)).GetProperty("ConsumerDescription").GetProperty("ConsumerStatus").GetString();
        }
        while (status != "ACTIVE" && DateTime.UtcNow < deadline);
        Assert.Equal("ACTIVE", status);

        var byName = (await Aws("kinesis", "describe-stream-consumer", "--stream-arn", StreamArn, "--consumer-name", "dashboard")).GetProperty("ConsumerDescription");
        Assert.Equal((arn, StreamArn), (byName.GetProperty("ConsumerARN").GetString(), byName.GetProperty("StreamARN").GetString()));

        await Aws("kinesis", "register-stream-consumer", "--stream-arn", StreamArn, "--consumer-name", "archive");
        // The CLI pages ListStreamConsumers itself (NextToken) when told a page size.
        var listed = await Aws("kinesis", "list-stream-consumers", "--stream-arn", StreamArn, "--page-size", "1");
        Assert.Equal(["archive", "dashboard"], listed.GetProperty("Consumers").EnumerateArray().Select(c => c.GetProperty("ConsumerName").GetString()));

        await Aws("kinesis", "deregister-stream-consumer", "--consumer-arn", arn);
        var (exit, _, error) = await RunAsync("kinesis", "delete-stream", "--stream-name", "cli-consumers");
        Assert.NotEqual(0, exit);
        Assert.Contains("ResourceInUseException", error);
        await Aws("kinesis", "delete-stream", "--stream-name", "cli-consumers", "--enforce-consumer-deletion");
        (exit, _, error) = await RunAsync("kinesis", "list-stream-consumers", "--stream-arn", StreamArn);
        Assert.NotEqual(0, exit);
        Assert.Contains("ResourceNotFoundException", error);
    }

    [Fact]
    public async Task SubscribeToShard_InTheCli_IsNoCommand()
    {
        var (exit, _, error) = await RunAsync("kinesis", "subscribe-to-shard", "--consumer-arn", StreamArn + "/consumer/x:1",
            "--shard-id", "shardId-000000000000", "--starting-position", "Type=LATEST");

        Assert.NotEqual(0, exit);
        Assert.Contains("Invalid choice", error);
    }

    /// <summary>Runs a command that must succeed and answers its JSON output (an empty object for none).</summary>
    private async Task<JsonElement> Aws(params string[] arguments)
    {
        var (exit, output, error) = await RunAsync(arguments);
        Assert.True(exit == 0, $"aws {string.Join(' ', arguments)} exited with {exit}:\n{error}\n{output}\n{server.Output}");
        return output.Trim().Length == 0 ? JsonDocument.Parse("{}").RootElement : JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>The CLI with nothing of whoever runs the tests (no profile, pager, metadata or retries), as AwsCliKinesisTests runs it.</summary>
    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] arguments)
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
                ["AWS_CONFIG_FILE"] = Path.Combine(home, "config"),
                ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(home, "credentials"),
                ["AWS_PAGER"] = "",
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                ["AWS_MAX_ATTEMPTS"] = "1",
                ["HOME"] = home,
            },
        };
        foreach (var argument in (string[])[.. arguments, "--endpoint-url", server.Endpoint, "--output", "json"])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
