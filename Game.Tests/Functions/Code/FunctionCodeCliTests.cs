using System.Diagnostics;
using System.Security.Cryptography;
using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Tests.Infrastructure;
using Game.Tests.Ingest.Kinesis;

namespace Game.Tests.Functions.Code;

/// <summary>
/// The newcomer's path of docs/functions.md, typed as a user would: <c>dotnet publish</c> the sample function
/// (Game.Functions/Samples/TeamBonusScore), zip it, and replace the scoring function's code with Debian's AWS CLI v2
/// (<c>/usr/bin/aws</c>, installed by <c>./scripts/test</c>) between two rounds of a game, whose scores stay exact:
/// the first round by the built-in rule, the second by the variant's.
/// </summary>
public sealed class FunctionCodeCliTests : IAsyncLifetime
{
    private const string Aws = "/usr/bin/aws";

    private readonly ServerProcess _server = new(new Dictionary<string, string> { ["Game:CountdownSeconds"] = "0" });
    private readonly string _work = Directory.CreateTempSubdirectory("function-cli-").FullName;

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Game_ScoringCodeReplacedWithTheSampleBetweenRounds_KeepsExactScores()
    {
        var sample = Path.Combine(ServerProcess.RepositoryRoot, "Game.Functions", "Samples", "TeamBonusScore");
        await RunAsync("dotnet", $"publish {sample} -c Release -o publish --nologo -v quiet");
        await RunAsync("bash", "-c", "cd publish && zip -qr ../function.zip .");
        var zip = await File.ReadAllBytesAsync(Path.Combine(_work, "function.zip"));

        using var client = new GameClient(_server);
        var game = await client.CreateGameAsync(roundSeconds: 600);
        var red = await client.JoinAsync(game.GameId, "Ada", "red");
        var blue = await client.JoinAsync(game.GameId, "Grace", "blue");
        var phones = new List<Phone> { new(game.GameId, red.PlayerId, "red"), new(game.GameId, blue.PlayerId, "blue") };
        var kinesis = new SignedKinesisRequests(_server.BaseUrl, "AKIDGAMELOCAL", "game-local-secret");

        // Round 1: the built-in score function.
        await client.StartAsync(game.GameId);
        await SendAsync(kinesis, phones, 6, doubledTeam: null);
        await WaitForScoresAsync(client, game.GameId, phones);
        await client.StopAsync(game.GameId);

        // Between rounds: the variant doubles the red team's points.
        Assert.Equal("red", await AwsAsync("lambda update-function-configuration --function-name score --environment Variables={DOUBLE_TEAM=red} --query Environment.Variables.DOUBLE_TEAM --output text"));
        Assert.Equal(
            $"{Convert.ToBase64String(SHA256.HashData(zip))}\t{zip.Length}\tTeamBonusScore::TeamBonusScore.TeamBonusScoreFunction::FunctionHandler",
            await AwsAsync("lambda update-function-code --function-name score --zip-file fileb://function.zip --query [CodeSha256,CodeSize,Handler] --output text"));

        // Round 2: the records go to the new code at the mapping's next batch, from where the checkpoints stood.
        await client.StartAsync(game.GameId);
        await SendAsync(kinesis, phones, 6, doubledTeam: "red");
        await WaitForScoresAsync(client, game.GameId, phones);
        Assert.True(phones[0].Expected > phones[1].Expected, "red's doubled second round puts it ahead (the phones move alike)");
    }

    /// <summary>Runs Debian's AWS CLI as a user types it, in the folder that holds function.zip, with the server's key pair.</summary>
    private async Task<string> AwsAsync(string command)
    {
        Assert.True(File.Exists(Aws), $"{Aws} is missing: install Debian's awscli (./scripts/test does).");
        var environment = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIDGAMELOCAL",
            ["AWS_SECRET_ACCESS_KEY"] = "game-local-secret",
            ["AWS_DEFAULT_REGION"] = "us-east-1",
            ["AWS_CONFIG_FILE"] = "/nonexistent",
            ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent",
            ["AWS_PAGER"] = "",
        };
        return await RunAsync(Aws, [.. $"{command} --endpoint-url {_server.BaseUrl}".Split(' ')], environment);
    }

    private Task<string> RunAsync(string program, string arguments) => RunAsync(program, arguments.Split(' '));

    private Task<string> RunAsync(string program, params string[] arguments) => RunAsync(program, arguments, new Dictionary<string, string>());

    private async Task<string> RunAsync(string program, string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = _work, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(300));
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed:\n{await stdout}\n{await stderr}");
        return (await stdout).Trim();
    }

    /// <summary>Each phone's next batches through the stream, no faster than their device time runs (an honest phone).</summary>
    private static async Task SendAsync(SignedKinesisRequests kinesis, List<Phone> phones, int batches, string? doubledTeam)
    {
        for (var i = 0; i < batches; i++)
        {
            foreach (var phone in phones)
            {
                var (status, _) = await kinesis.SendJsonAsync("PutRecord", new
                {
                    StreamName = "motion",
                    PartitionKey = phone.PlayerId,
                    Data = Convert.ToBase64String(MotionBatchCodec.EncodeJson(phone.Next(doubledTeam))),
                });
                Assert.Equal(200, status);
            }

            await Task.Delay(Phone.BatchMs);
        }
    }

    private static async Task WaitForScoresAsync(GameClient client, string gameId, List<Phone> phones)
    {
        var expected = phones.Select(p => p.Expected).ToList();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        List<long> scores;
        while (!(scores = await ScoresAsync()).SequenceEqual(expected))
        {
            Assert.False(timeout.IsCancellationRequested, $"Scores {string.Join(",", scores)}, expected {string.Join(",", expected)}.");
            await Task.Delay(50);
        }

        async Task<List<long>> ScoresAsync()
        {
            var board = await client.ScoreboardAsync(gameId);
            return phones.Select(p => board.Players.Single(s => s.PlayerId == p.PlayerId).Score).ToList();
        }
    }

    /// <summary>A phone's batches, numbered, and the score its mirror expects: each batch's points, doubled for the doubled team.</summary>
    private sealed class Phone(string gameId, string playerId, string team)
    {
        public const int BatchMs = 50;

        private PlayerLedger _ledger = PlayerLedger.Empty;
        private int _seq;

        public string PlayerId => playerId;

        public long Expected { get; private set; }

        public MotionBatch Next(string? doubledTeam)
        {
            _seq++;
            // Two samples 20 ms apart per batch, 40 ms of device time: slower than the batches are sent.
            var t = (_seq - 1) * 40;
            var batch = new MotionBatch
            {
                GameId = gameId,
                PlayerId = playerId,
                Seq = _seq,
                Samples = [new MotionSample { T = t, X = 19.81 + _seq }, new MotionSample { T = t + 20, X = 29.81 }],
            };
            (_ledger, var outcome) = ScoreLedger.Apply(_ledger, batch, counts: true);
            Expected += outcome.Points * (team == doubledTeam ? 2 : 1);
            return batch;
        }
    }
}
