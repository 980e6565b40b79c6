using System.Diagnostics;
using System.Text.Json;
using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Functions.Scoring;
using Game.Tests.Infrastructure;
using Game.Tests.Ingest.Kinesis;

namespace Game.Tests.Invoke;

/// <summary>
/// Runs Game.Tests/node/lambda-cases.js (AWS' @aws-sdk/client-lambda) once against the real server and keeps
/// every case's answer for the tests below.
/// </summary>
public sealed class InvokeApiFixture : IAsyncLifetime
{
    private readonly ServerProcess _server = new(new Dictionary<string, string> { ["Game:CountdownSeconds"] = "0" });

    public JsonDocument Results { get; private set; } = null!;

    public GameClient.JoinedPlayer Player { get; private set; } = null!;

    public GameClient.JoinedPlayer Rival { get; private set; } = null!;

    public long ExpectedScore { get; private set; }

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        using var client = new GameClient(_server);
        var game = await client.CreateGameAsync(roundSeconds: 600);
        Player = await client.JoinAsync(game.GameId, "Ada", "red");
        Rival = await client.JoinAsync(game.GameId, "Grace", "red");
        await client.StartAsync(game.GameId);

        // The player's one batch arrives the way every real one does: through the stream (Kinesis PutRecord).
        var batch = new MotionBatch
        {
            GameId = game.GameId,
            PlayerId = Player.PlayerId,
            Seq = 1,
            Samples = [new MotionSample { T = 0, X = 19.81 }, new MotionSample { T = 20, X = 29.81 }],
        };
        ExpectedScore = ScoreLedger.Apply(PlayerLedger.Empty, batch, counts: true).Ledger.Score;
        var kinesis = new SignedKinesisRequests(_server.BaseUrl, "AKIDGAMELOCAL", "game-local-secret");
        var (putStatus, _) = await kinesis.SendJsonAsync("PutRecord", new
        {
            StreamName = "motion",
            PartitionKey = Player.PlayerId,
            Data = Convert.ToBase64String(MotionBatchCodec.EncodeJson(batch)),
        });
        Assert.Equal(200, putStatus);
        await WaitForScoreAsync(client, game.GameId, ExpectedScore);

        // The attack of issue #13.3: a made-up event, as one would paste into the Lambda console, worth far more
        // than the real batch. Invoked directly, it must change nothing.
        var madeUp = batch with { Seq = 2, Samples = [.. Enumerable.Range(0, 100).Select(i => new MotionSample { T = 40 + i * 10, X = 49.81 })] };
        var kinesisEvent = JsonSerializer.Serialize(new KinesisEvent
        {
            Records =
            [
                new KinesisEvent.KinesisEventRecord
                {
                    EventId = "shardId-000000000000:1",
                    Kinesis = new KinesisEvent.Record
                    {
                        PartitionKey = Player.PlayerId,
                        SequenceNumber = "1",
                        Data = MotionBatchCodec.EncodeJson(madeUp),
                        ApproximateArrivalTimestamp = DateTimeOffset.UtcNow,
                    },
                },
            ],
        });

        var start = new ProcessStartInfo("node") { WorkingDirectory = KinesisSdkFixture.NodeDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["NODE_PATH"] = KinesisSdkFixture.NodeModules;
        foreach (var argument in new[]
        {
            Path.Combine(KinesisSdkFixture.NodeDirectory, "lambda-cases.js"),
            "--endpoint", _server.BaseUrl, "--access-key", "AKIDGAMELOCAL", "--secret", "game-local-secret",
            "--game", game.GameId, "--player", Player.PlayerId, "--kinesis-event", kinesisEvent,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(node.ExitCode == 0, $"lambda-cases.js failed:\n{await stderr}\n{_server.Output}");
        Results = JsonDocument.Parse(await stdout);
    }

    public async Task DisposeAsync()
    {
        Results?.Dispose();
        await _server.DisposeAsync();
    }

    public JsonElement Case(string name) => Results.RootElement.GetProperty(name);

    private static async Task WaitForScoreAsync(GameClient client, string gameId, long score)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await client.ScoreboardAsync(gameId)).Players.Sum(p => p.Score) != score)
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}

public sealed class InvokeApiTests(InvokeApiFixture fixture) : IClassFixture<InvokeApiFixture>
{
    [Fact]
    public void Invoke_StreamFedFunctionWithMadeUpEvent_IsRefusedAndScoresNothing()
    {
        var result = fixture.Case("kinesis-event");

        Assert.Equal("ResourceConflictException", result.GetProperty("error").GetString());
        Assert.Equal(409, result.GetProperty("httpStatus").GetInt32());
        Assert.Contains("cannot be invoked directly", result.GetProperty("message").GetString());
        // The rank cases run after it and see only the batch that came through the stream.
        Assert.Equal(fixture.ExpectedScore, fixture.Case("rank").GetProperty("payload").GetProperty("score").GetInt64());
    }

    [Theory]
    [InlineData("rank")]
    [InlineData("rank-by-arn")]
    public void Invoke_RequestResponse_AnswersTheFunctionsResult(string name)
    {
        var result = fixture.Case(name);
        var payload = result.GetProperty("payload");

        Assert.Equal(200, result.GetProperty("status").GetInt32());
        Assert.Equal("$LATEST", result.GetProperty("executedVersion").GetString());
        Assert.Equal(fixture.Player.PlayerId, payload.GetProperty("playerId").GetString());
        Assert.Equal(fixture.ExpectedScore, payload.GetProperty("score").GetInt64());
        Assert.Equal(1, payload.GetProperty("rank").GetInt32());
        Assert.Equal(2, payload.GetProperty("players").GetInt32());
        Assert.Equal(fixture.ExpectedScore, payload.GetProperty("teamScore").GetInt64());
    }

    [Fact]
    public void Invoke_LogTypeTail_ReturnsTheInvocationsLogWithItsReport()
    {
        var log = fixture.Case("tail").GetProperty("log").GetString()!;

        Assert.StartsWith("START RequestId: ", log);
        Assert.Contains("Ranking " + fixture.Player.PlayerId, log);
        Assert.Contains("END RequestId: ", log);
        Assert.Contains("REPORT RequestId: ", log);
        Assert.Contains("Billed Duration: ", log);
    }

    [Fact]
    public void Invoke_Event_Answers202()
    {
        Assert.Equal(202, fixture.Case("event").GetProperty("status").GetInt32());
    }

    [Fact]
    public void Invoke_DryRun_Answers204()
    {
        Assert.Equal(204, fixture.Case("dry-run").GetProperty("status").GetInt32());
    }

    [Fact]
    public void Invoke_FunctionThrows_Answers200WithUnhandledFunctionError()
    {
        var result = fixture.Case("function-error");

        Assert.Equal(200, result.GetProperty("status").GetInt32());
        Assert.Equal("Unhandled", result.GetProperty("functionError").GetString());
        Assert.Equal("ArgumentException", result.GetProperty("payload").GetProperty("errorType").GetString());
        Assert.Equal("The input needs a string 'gameId'.", result.GetProperty("payload").GetProperty("errorMessage").GetString());
    }

    [Theory]
    [InlineData("unknown-function", "ResourceNotFoundException", 404)]
    [InlineData("bad-json", "InvalidRequestContentException", 400)]
    [InlineData("too-large", "RequestTooLargeException", 413)]
    [InlineData("bad-signature", "InvalidSignatureException", 403)]
    public void Invoke_BadRequest_GetsLambdasError(string name, string error, int status)
    {
        var result = fixture.Case(name);

        Assert.Equal(error, result.GetProperty("error").GetString());
        Assert.Equal(status, result.GetProperty("httpStatus").GetInt32());
    }
}
