using System.Diagnostics;
using Game.Tests.Infrastructure;

namespace Game.Tests.Auth;

/// <summary>The server started with <see cref="PermissionSdkFixture.Keys"/>, and a home with an AWS CLI profile per key.</summary>
public sealed class PermissionCliFixture : IAsyncLifetime
{
    public ServerProcess Server { get; } = new(PermissionSdkFixture.Settings());

    public string Home { get; } = Path.Combine(Path.GetTempPath(), "game-awscli-perms-" + Guid.NewGuid().ToString("N")[..12]);

    public async Task InitializeAsync()
    {
        // ~/.aws/credentials and ~/.aws/config with a profile per key, the way `aws configure --profile` writes them.
        Directory.CreateDirectory(Home);
        await File.WriteAllLinesAsync(Path.Combine(Home, "credentials"), PermissionSdkFixture.Keys.SelectMany(k => new[]
        {
            $"[{k.Name}]", $"aws_access_key_id = {k.Id}", $"aws_secret_access_key = {k.Secret}",
        }));
        await File.WriteAllLinesAsync(Path.Combine(Home, "config"), PermissionSdkFixture.Keys.SelectMany(k => new[]
        {
            $"[profile {k.Name}]", "region = us-east-1",
        }));
        await Server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(Home, recursive: true);
    }
}

/// <summary>
/// What a user sees: Debian's AWS CLI v2 (<c>/usr/bin/aws</c>, installed by <c>./scripts/test</c>) with a profile per
/// key pair, as an operator would set them up.
/// </summary>
public sealed class PermissionCliTests(PermissionCliFixture fixture) : IClassFixture<PermissionCliFixture>
{
    private static readonly string Cli = Environment.GetEnvironmentVariable("GAME_TEST_AWSCLI") is { Length: > 0 } configured ? configured : "/usr/bin/aws";

    [Fact]
    public async Task ProducerProfile_PutsRecordsButCannotPauseScoring()
    {
        var uuid = await AwsOkAsync("admin", "lambda", "list-event-source-mappings", "--function-name", "score", "--query", "EventSourceMappings[0].UUID", "--output", "text");
        Assert.Matches("^[0-9a-f-]{36}$", uuid);

        Assert.Matches("^shardId-0000000000\\d\\d$", await AwsOkAsync("producer", "kinesis", "put-record", "--stream-name", "motion", "--partition-key", "p1",
            "--data", Convert.ToBase64String("{}"u8), "--query", "ShardId", "--output", "text"));

        var (exit, output, error) = await AwsAsync("producer", "lambda", "update-event-source-mapping", "--uuid", uuid, "--no-enabled");

        Assert.Equal(254, exit);
        Assert.Equal("", output);
        Assert.Equal(
            "An error occurred (AccessDeniedException) when calling the UpdateEventSourceMapping operation: "
            + "User: arn:aws:iam::000000000000:user/producer is not authorized to perform: lambda:UpdateEventSourceMapping "
            + $"on resource: arn:aws:lambda:us-east-1:000000000000:event-source-mapping:{uuid} because no identity-based policy allows the lambda:UpdateEventSourceMapping action",
            error.Trim());
        Assert.Equal("Enabled", await AwsOkAsync("admin", "lambda", "get-event-source-mapping", "--uuid", uuid, "--query", "State", "--output", "text"));
    }

    [Fact]
    public async Task ProducerProfile_CannotReadTheStream()
    {
        var (exit, _, error) = await AwsAsync("producer", "kinesis", "get-shard-iterator", "--stream-name", "motion", "--shard-id", "shardId-000000000000", "--shard-iterator-type", "LATEST");

        Assert.Equal(254, exit);
        Assert.Equal(
            "An error occurred (AccessDeniedException) when calling the GetShardIterator operation: "
            + "User: arn:aws:iam::000000000000:user/producer is not authorized to perform: kinesis:GetShardIterator "
            + "on resource: arn:aws:kinesis:us-east-1:000000000000:stream/motion because no identity-based policy allows the kinesis:GetShardIterator action",
            error.Trim());
    }

    private async Task<string> AwsOkAsync(string profile, params string[] arguments)
    {
        var (exit, output, error) = await AwsAsync(profile, arguments);
        Assert.True(exit == 0, $"aws {string.Join(' ', arguments)} --profile {profile} exited with {exit}:\n{error}\n{fixture.Server.Output}");
        return output.Trim();
    }

    /// <summary>Runs the CLI as typed, with <c>--profile</c>, and only this test's profiles: nothing of whoever runs the tests.</summary>
    private async Task<(int Exit, string Output, string Error)> AwsAsync(string profile, params string[] arguments)
    {
        Assert.True(File.Exists(Cli), $"{Cli} is missing: install Debian's awscli (./scripts/test does), or set GAME_TEST_AWSCLI.");
        var start = new ProcessStartInfo(Cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["AWS_CONFIG_FILE"] = Path.Combine(fixture.Home, "config"),
                ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(fixture.Home, "credentials"),
                ["AWS_PAGER"] = "",
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                // Not AWS_MAX_ATTEMPTS=1: the CLI then adds "(reached max retries: 0)" to every error, which a user
                // with the defaults never sees (AccessDeniedException is not retried).
                ["HOME"] = fixture.Home,
            },
        };
        start.Environment.Remove("AWS_ACCESS_KEY_ID");
        start.Environment.Remove("AWS_SECRET_ACCESS_KEY");
        start.Environment.Remove("AWS_PROFILE");
        foreach (var argument in arguments.Concat(["--profile", profile, "--endpoint-url", fixture.Server.BaseUrl]))
        {
            start.ArgumentList.Add(argument);
        }

        using var aws = Process.Start(start)!;
        var stdout = aws.StandardOutput.ReadToEndAsync();
        var stderr = aws.StandardError.ReadToEndAsync();
        await aws.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (aws.ExitCode, await stdout, await stderr);
    }
}
