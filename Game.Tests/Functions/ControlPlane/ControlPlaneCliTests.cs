using System.Diagnostics;
using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Tests.Infrastructure;
using Game.Tests.Ingest.Kinesis;
using Game.Tests.Storage;

namespace Game.Tests.Functions.ControlPlane;

/// <summary>
/// The newcomer's path: Debian's AWS CLI v2 (<c>/usr/bin/aws</c>, installed by <c>./scripts/test</c>) against the
/// real server, commands typed as a user would, while a game is played: its scores stay exact while the scoring
/// mapping's batch size changes, while the mapping is paused and resumed, and when it is deleted and created again.
/// </summary>
public sealed class ControlPlaneCliTests : IAsyncLifetime
{
    private const string Aws = "/usr/bin/aws";

    private readonly ServerProcess _server = new(new Dictionary<string, string>
    {
        ["Game:CountdownSeconds"] = "0",
        ["ControlPlane:RefreshIntervalSeconds"] = "0.2",
    });

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Game_BatchSizeChangedThenMappingPausedAndResumed_KeepsExactScores()
    {
        using var client = new GameClient(_server);
        var (game, phones) = await StartGameAsync(client);
        var kinesis = new SignedKinesisRequests(_server.BaseUrl, "AKIDGAMELOCAL", "game-local-secret");

        var uuid = await AwsAsync("lambda list-event-source-mappings --function-name score --query EventSourceMappings[0].UUID --output text");
        Assert.Matches("^[0-9a-f-]{36}$", uuid);

        // A round under way: half its batches, then the batch size changes under the other half.
        await SendAsync(kinesis, phones, 6);
        Assert.Equal("Updating\t1", await AwsAsync($"lambda update-event-source-mapping --uuid {uuid} --batch-size 1 --query [State,BatchSize] --output text"));
        await SendAsync(kinesis, phones, 6);
        await WaitForAsync(() => AwsAsync($"lambda get-event-source-mapping --uuid {uuid} --query State --output text"), "Enabled");
        await WaitForScoresAsync(client, game.GameId, phones);

        // Paused: no reader holds a shard any more (their leases went back, checkpoints kept), so what arrives now waits.
        Assert.Equal("Disabling", await AwsAsync($"lambda update-event-source-mapping --uuid {uuid} --no-enabled --query State --output text"));
        await WaitForAsync(() => AwsAsync($"lambda get-event-source-mapping --uuid {uuid} --query State --output text"), "Disabled");
        await using (var store = await SqliteTestStore.OpenAsync(Path.Combine(_server.DataDirectory, "game.db"), CancellationToken.None))
        {
            var leases = await store.Leases.ListLeasesAsync("score/motion/", CancellationToken.None);
            Assert.NotEmpty(leases);
            Assert.All(leases, l => Assert.Equal("", l.Owner));
        }

        var beforePause = phones.Select(p => p.Expected).ToList();
        await SendAsync(kinesis, phones, 6);
        Assert.Equal(beforePause, await ScoresAsync(client, game.GameId, phones));

        // Resumed: the records that waited score once, from the checkpoints the pause kept.
        Assert.Equal("Enabling", await AwsAsync($"lambda update-event-source-mapping --uuid {uuid} --enabled --query State --output text"));
        await WaitForAsync(() => AwsAsync($"lambda get-event-source-mapping --uuid {uuid} --query State --output text"), "Enabled");
        await WaitForScoresAsync(client, game.GameId, phones);
        Assert.All(phones, p => Assert.True(p.Expected > beforePause[phones.IndexOf(p)], "the batches sent while paused score after the resume"));
    }

    [Fact]
    public async Task Game_MappingDeletedThenCreatedAgainFromTrimHorizon_RereadsTheStreamAndKeepsExactScores()
    {
        using var client = new GameClient(_server);
        var (game, phones) = await StartGameAsync(client);
        var kinesis = new SignedKinesisRequests(_server.BaseUrl, "AKIDGAMELOCAL", "game-local-secret");
        var uuid = await AwsAsync("lambda list-event-source-mappings --function-name score --query EventSourceMappings[0].UUID --output text");

        await SendAsync(kinesis, phones, 6);
        await WaitForScoresAsync(client, game.GameId, phones);

        // Deleted: the mapping goes, and its position in each shard (its lease rows, checkpoints included) with it.
        Assert.Equal("Deleting", await AwsAsync($"lambda delete-event-source-mapping --uuid {uuid} --query State --output text"));
        await WaitForAsync(() => AwsAsync("lambda list-event-source-mappings --function-name score --query length(EventSourceMappings) --output text"), "0");
        await using (var store = await SqliteTestStore.OpenAsync(Path.Combine(_server.DataDirectory, "game.db"), CancellationToken.None))
        {
            Assert.Empty(await store.Leases.ListLeasesAsync("score/motion/", CancellationToken.None));
        }

        // Sent while no mapping exists: nothing scores them yet.
        await SendAsync(kinesis, phones, 4);
        var sent = phones.Count * 10;
        var invokedBefore = await InvocationsAsync("score");

        // Created again from the trim horizon, one record per invocation: it reads every record from the start, as
        // Lambda's new mapping would, not on from the deleted one's checkpoints.
        var created = (await AwsAsync(
            "lambda create-event-source-mapping --function-name score --event-source-arn arn:aws:kinesis:us-east-1:000000000000:stream/motion " +
            "--starting-position TRIM_HORIZON --batch-size 1 --query [State,UUID] --output text")).Split('\t');
        Assert.Equal("Creating", created[0]);
        Assert.NotEqual(uuid, created[1]);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            double invoked;
            while ((invoked = await InvocationsAsync("score") - invokedBefore) < sent)
            {
                Assert.False(timeout.IsCancellationRequested, $"The new mapping invoked score {invoked} times, not once per record from the trim horizon ({sent}).");
                await Task.Delay(100);
            }
        }

        // Every record read again, and each phone's batches still count once: the ledger's last sequence skips the repeats.
        await WaitForScoresAsync(client, game.GameId, phones);
        Assert.Equal(phones.Select(p => p.Expected), await ScoresAsync(client, game.GameId, phones));
    }

    /// <summary>A ten-minute round running with two players, Ada (red) and Grace (blue), and a phone for each.</summary>
    private static async Task<(GameClient.CreatedGame Game, List<Phone> Phones)> StartGameAsync(GameClient client)
    {
        var game = await client.CreateGameAsync(roundSeconds: 600);
        var players = new[] { await client.JoinAsync(game.GameId, "Ada", "red"), await client.JoinAsync(game.GameId, "Grace", "blue") };
        await client.StartAsync(game.GameId);
        return (game, players.Select(p => new Phone(game.GameId, p.PlayerId)).ToList());
    }

    /// <summary>Lambda's Invocations metric of one function, as the server exports it.</summary>
    private async Task<double> InvocationsAsync(string function)
    {
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"{_server.BaseUrl}/metrics");
        return metrics.Split('\n')
            .Where(l => l.StartsWith("Invocations_total{", StringComparison.Ordinal) && l.Contains($"function=\"{function}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Runs Debian's AWS CLI as a user types it, with the server's key pair and no profile of the machine's.</summary>
    private async Task<string> AwsAsync(string command)
    {
        Assert.True(File.Exists(Aws), $"{Aws} is missing: install Debian's awscli (./scripts/test does).");
        var start = new ProcessStartInfo(Aws) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in $"{command} --endpoint-url {_server.BaseUrl}".Split(' '))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = "AKIDGAMELOCAL";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "game-local-secret";
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_CONFIG_FILE"] = "/nonexistent";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent";
        start.Environment["AWS_PAGER"] = "";
        using var aws = Process.Start(start)!;
        var stdout = aws.StandardOutput.ReadToEndAsync();
        var stderr = aws.StandardError.ReadToEndAsync();
        await aws.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(aws.ExitCode == 0, $"aws {command} failed:\n{await stderr}");
        return (await stdout).Trim();
    }

    private static async Task WaitForAsync(Func<Task<string>> read, string expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string last;
        while ((last = await read()) != expected)
        {
            Assert.False(timeout.IsCancellationRequested, $"Still '{last}', not '{expected}'.");
            await Task.Delay(100);
        }
    }

    /// <summary>Each phone's next batches through the stream, no faster than their device time runs (an honest phone).</summary>
    private static async Task SendAsync(SignedKinesisRequests kinesis, List<Phone> phones, int batches)
    {
        for (var i = 0; i < batches; i++)
        {
            foreach (var phone in phones)
            {
                var (status, _) = await kinesis.SendJsonAsync("PutRecord", new
                {
                    StreamName = "motion",
                    PartitionKey = phone.PlayerId,
                    Data = Convert.ToBase64String(MotionBatchCodec.EncodeJson(phone.Next())),
                });
                Assert.Equal(200, status);
            }

            await Task.Delay(Phone.BatchMs);
        }
    }

    private static async Task<List<long>> ScoresAsync(GameClient client, string gameId, List<Phone> phones)
    {
        var board = await client.ScoreboardAsync(gameId);
        return phones.Select(p => board.Players.Single(s => s.PlayerId == p.PlayerId).Score).ToList();
    }

    private static async Task WaitForScoresAsync(GameClient client, string gameId, List<Phone> phones)
    {
        var expected = phones.Select(p => p.Expected).ToList();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        List<long> scores;
        while (!(scores = await ScoresAsync(client, gameId, phones)).SequenceEqual(expected))
        {
            Assert.False(timeout.IsCancellationRequested, $"Scores {string.Join(",", scores)}, expected {string.Join(",", expected)}.");
            await Task.Delay(50);
        }
    }

    /// <summary>A phone's batches, numbered, and the score its mirror of the ledger expects.</summary>
    private sealed class Phone(string gameId, string playerId)
    {
        public const int BatchMs = 50;

        private PlayerLedger _ledger = PlayerLedger.Empty;
        private int _seq;

        public string PlayerId => playerId;

        public long Expected => _ledger.Score;

        public MotionBatch Next()
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
            _ledger = ScoreLedger.Apply(_ledger, batch, counts: true).Ledger;
            return batch;
        }
    }
}
