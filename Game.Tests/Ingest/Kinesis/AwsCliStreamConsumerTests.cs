namespace Game.Tests.Ingest.Kinesis;

/// <summary>
/// Stream consumers through Debian's AWS CLI v2 (<c>/usr/bin/aws</c>, 2.9.19) as its users type the commands. The CLI
/// has no <c>subscribe-to-shard</c>: it removes the command (it cannot read an event stream), so SubscribeToShard is
/// tested with the JavaScript SDK only (GameServerFanOutSdkTests).
/// </summary>
public sealed class AwsCliStreamConsumerTests(AwsCliServerFixture server) : IClassFixture<AwsCliServerFixture>
{
    private const string StreamArn = "arn:aws:kinesis:us-east-1:000000000000:stream/cli-consumers";

    [Fact]
    public async Task StreamConsumerCommands_AsTyped_RegisterDescribeListAndDeregister()
    {
        await server.Aws("kinesis", "create-stream", "--stream-name", "cli-consumers", "--shard-count", "1");

        var registered = (await server.Aws("kinesis", "register-stream-consumer", "--stream-arn", StreamArn, "--consumer-name", "dashboard")).GetProperty("Consumer");
        var arn = registered.GetProperty("ConsumerARN").GetString()!;
        Assert.Equal("CREATING", registered.GetProperty("ConsumerStatus").GetString());
        Assert.StartsWith(StreamArn + "/consumer/dashboard:", arn);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        string? status;
        do
        {
            status = (await server.Aws("kinesis", "describe-stream-consumer", "--consumer-arn", arn)).GetProperty("ConsumerDescription").GetProperty("ConsumerStatus").GetString();
        }
        while (status != "ACTIVE" && DateTime.UtcNow < deadline);
        Assert.Equal("ACTIVE", status);

        var byName = (await server.Aws("kinesis", "describe-stream-consumer", "--stream-arn", StreamArn, "--consumer-name", "dashboard")).GetProperty("ConsumerDescription");
        Assert.Equal((arn, StreamArn), (byName.GetProperty("ConsumerARN").GetString(), byName.GetProperty("StreamARN").GetString()));

        await server.Aws("kinesis", "register-stream-consumer", "--stream-arn", StreamArn, "--consumer-name", "archive");
        // The CLI pages ListStreamConsumers itself (NextToken) when told a page size.
        var listed = await server.Aws("kinesis", "list-stream-consumers", "--stream-arn", StreamArn, "--page-size", "1");
        Assert.Equal(["archive", "dashboard"], listed.GetProperty("Consumers").EnumerateArray().Select(c => c.GetProperty("ConsumerName").GetString()));

        await server.Aws("kinesis", "deregister-stream-consumer", "--consumer-arn", arn);
        var (exit, _, error) = await server.RunAsync("kinesis", "delete-stream", "--stream-name", "cli-consumers");
        Assert.NotEqual(0, exit);
        Assert.Contains("ResourceInUseException", error);
        await server.Aws("kinesis", "delete-stream", "--stream-name", "cli-consumers", "--enforce-consumer-deletion");
        (exit, _, error) = await server.RunAsync("kinesis", "list-stream-consumers", "--stream-arn", StreamArn);
        Assert.NotEqual(0, exit);
        Assert.Contains("ResourceNotFoundException", error);
    }

    [Fact]
    public async Task SubscribeToShard_InTheCli_IsNoCommand()
    {
        var (exit, _, error) = await server.RunAsync("kinesis", "subscribe-to-shard", "--consumer-arn", StreamArn + "/consumer/x:1",
            "--shard-id", "shardId-000000000000", "--starting-position", "Type=LATEST");

        Assert.NotEqual(0, exit);
        Assert.Contains("Invalid choice", error);
    }
}
