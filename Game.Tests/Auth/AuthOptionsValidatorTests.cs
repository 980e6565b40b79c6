using Game.Server.Auth;
using Game.Server.Ingest;
using Game.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Game.Tests.Auth;

/// <summary><c>Auth:Keys</c> mistakes stop the server at start, each with a message that names the setting.</summary>
public sealed class AuthOptionsValidatorTests
{
    private static readonly Dictionary<string, string?> Producer = new()
    {
        ["Auth:Keys:producer:AccessKeyId"] = "AKIDPRODUCER",
        ["Auth:Keys:producer:SecretAccessKey"] = "producer-secret",
        ["Auth:Keys:producer:Actions:0"] = "kinesis:PutRecords",
    };

    [Fact]
    public void Validate_ProducerAndAdmin_Pass()
    {
        var keys = Keys(With(Producer, new()
        {
            ["Auth:Keys:admin:AccessKeyId"] = "AKIDADMIN",
            ["Auth:Keys:admin:SecretAccessKey"] = "admin-secret",
            ["Auth:Keys:admin:Actions:0"] = "*",
            ["Auth:Keys:ranker:AccessKeyId"] = "AKIDRANKER",
            ["Auth:Keys:ranker:SecretAccessKey"] = "ranker-secret",
            ["Auth:Keys:ranker:Actions:0"] = "lambda:InvokeFunction",
            ["Auth:Keys:ranker:Resources:0"] = "arn:aws:lambda:*:*:function:player-rank",
        }));

        Assert.Equal("producer", keys.Find("AKIDPRODUCER")!.Name);
        Assert.False(keys.Find("AKIDPRODUCER")!.Policy.AllowsEverything);
        Assert.True(keys.Find("AKIDADMIN")!.Policy.AllowsEverything);
        Assert.Equal(["arn:aws:lambda:*:*:function:player-rank"], keys.Find("AKIDRANKER")!.Policy.Resources);
    }

    [Fact]
    public void Validate_NoAuthSection_OnlyTheIngestPairWithEveryAction()
    {
        var keys = Keys([]);

        var ingest = keys.Find("AKIDGAMELOCAL");
        Assert.NotNull(ingest);
        Assert.Equal("game-local-secret", ingest.SecretAccessKey);
        Assert.True(ingest.Policy.AllowsEverything);
        Assert.Null(keys.Find("AKIDPRODUCER"));
    }

    [Theory]
    [InlineData("Auth:Keys:producer:Actions:0", "kinesiss:PutRecords",
        "Auth:Keys:producer:Actions:0 is 'kinesiss:PutRecords': this server has no service 'kinesiss': its actions start with kinesis: or lambda:, or are * for every action.")]
    [InlineData("Auth:Keys:producer:Actions:0", "s3:*",
        "Auth:Keys:producer:Actions:0 is 's3:*': this server has no service 's3': its actions start with kinesis: or lambda:, or are * for every action.")]
    [InlineData("Auth:Keys:producer:Actions:0", "PutRecords",
        "Auth:Keys:producer:Actions:0 is 'PutRecords': an action is an IAM action name such as kinesis:PutRecords or lambda:InvokeFunction, or * for every action.")]
    [InlineData("Auth:Keys:producer:Actions:0", "kinesis:Put Records",
        "Auth:Keys:producer:Actions:0 is 'kinesis:Put Records': after 'kinesis:' comes an operation name such as PutRecords or InvokeFunction (letters, wildcards * and ?).")]
    [InlineData("Auth:Keys:producer:SecretAccessKey", "",
        "Auth:Keys:producer:SecretAccessKey is missing: a key pair without a secret would sign for anyone.")]
    [InlineData("Auth:Keys:producer:SecretAccessKey", "short",
        "Auth:Keys:producer:SecretAccessKey is shorter than 8 characters.")]
    [InlineData("Auth:Keys:producer:AccessKeyId", "",
        "Auth:Keys:producer:AccessKeyId is missing: give every key pair its own access key id.")]
    [InlineData("Auth:Keys:producer:AccessKeyId", "AKID/PRODUCER",
        "Auth:Keys:producer:AccessKeyId must be 1 to 128 letters and digits, not 'AKID/PRODUCER'.")]
    [InlineData("Auth:Keys:producer:AccessKeyId", "AKIDGAMELOCAL",
        "Auth:Keys:producer:AccessKeyId 'AKIDGAMELOCAL' is already Ingest:AccessKeyId: every key pair needs its own access key id.")]
    [InlineData("Auth:Keys:producer:Resources:0", "function:score",
        "Auth:Keys:producer:Resources:0 is 'function:score': a resource is an ARN such as arn:aws:lambda:*:*:function:player-rank (wildcards * and ? allowed), or * for every resource.")]
    public void Validate_OneBadSetting_FailsNamingIt(string setting, string value, string message) =>
        Assert.Equal([message], Failures(With(Producer, new() { [setting] = value })));

    [Fact]
    public void Validate_TwoKeysOneKeyId_FailsNamingBoth() =>
        Assert.Equal(
            ["Auth:Keys:venue2:AccessKeyId 'AKIDPRODUCER' is already Auth:Keys:producer:AccessKeyId: every key pair needs its own access key id."],
            Failures(With(Producer, new()
            {
                ["Auth:Keys:venue2:AccessKeyId"] = "AKIDPRODUCER",
                ["Auth:Keys:venue2:SecretAccessKey"] = "venue2-secret",
                ["Auth:Keys:venue2:Actions:0"] = "kinesis:PutRecords",
            })));

    [Fact]
    public void Validate_ActionsAsOneStringNotAList_FailsSayingSo()
    {
        var settings = With(Producer, new() { ["Auth:Keys:producer:Actions:0"] = null, ["Auth:Keys:producer:Actions"] = "kinesis:PutRecords" });

        Assert.Equal(
            ["Auth:Keys:producer:Actions is empty: list the IAM actions this key may take, e.g. [\"kinesis:PutRecords\"] (a list, not one string)."],
            Failures(settings));
    }

    [Fact]
    public void AccessKeys_BadSetting_RefuseToBuildWithTheMessage()
    {
        using var services = Services(With(Producer, new() { ["Auth:Keys:producer:Actions:0"] = "kinesiss:PutRecords" }));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<AccessKeys>());
        Assert.Contains("Auth:Keys:producer:Actions:0 is 'kinesiss:PutRecords'", error.Message);
    }

    [Fact]
    public async Task ServerStart_ActionOfAnotherService_StopsNamingTheSetting()
    {
        await using var server = new ServerProcess(new Dictionary<string, string>
        {
            ["Auth:Keys:venue:AccessKeyId"] = "AKIDVENUE",
            ["Auth:Keys:venue:SecretAccessKey"] = "venue-secret",
            ["Auth:Keys:venue:Actions:0"] = "kinesiss:PutRecords",
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync());
        Assert.StartsWith("Game.Server exited with ", error.Message);
        Assert.Contains("Auth:Keys:venue:Actions:0 is 'kinesiss:PutRecords': this server has no service 'kinesiss'", error.Message);
    }

    private static Dictionary<string, string?> With(Dictionary<string, string?> settings, Dictionary<string, string?> changes)
    {
        var result = new Dictionary<string, string?>(settings);
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = value;
            }
        }

        return result;
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddOptions<IngestOptions>();
        services.AddAccessKeys();
        return services.BuildServiceProvider();
    }

    private static AccessKeys Keys(Dictionary<string, string?> settings) => Services(settings).GetRequiredService<AccessKeys>();

    private static List<string> Failures(Dictionary<string, string?> settings)
    {
        using var services = Services(settings);
        var options = services.GetRequiredService<IConfiguration>().GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        var result = services.GetRequiredService<IValidateOptions<AuthOptions>>().Validate(Options.DefaultName, options);
        return result.Failures?.ToList() ?? [];
    }
}
