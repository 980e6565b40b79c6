using System.Net.Http.Json;
using System.Text.Json;
using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Persistence;

/// <summary>A record is scored by the round it arrived in, however late it is processed.</summary>
public sealed class LateRecordTests
{
    [Fact]
    public async Task ScoreFunction_RecordOfAnEarlierRoundProcessedDuringTheNext_CountsForItsOwnRound()
    {
        await using var server = new InProcessServer(new Dictionary<string, string?> { ["Game:CountdownSeconds"] = "0" }, []);
        var http = server.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", ServerProcess.TestPresenterKey);
        var gameId = (await (await http.PostAsJsonAsync("/api/games", new { roundSeconds = 600 })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("gameId").GetString()!;
        var playerId = (await (await http.PostAsJsonAsync($"/api/games/{gameId}/players", new { nickname = "Ada" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("playerId").GetString()!;
        var first = await (await http.PostAsync($"/api/games/{gameId}/start", null)).Content.ReadFromJsonAsync<JsonElement>();
        await Task.Delay(50);
        var stopped = await (await http.PostAsync($"/api/games/{gameId}/stop", null)).Content.ReadFromJsonAsync<JsonElement>();
        await Task.Delay(50);
        (await http.PostAsync($"/api/games/{gameId}/start", null)).EnsureSuccessStatusCode();
        var roundOneStart = first.GetProperty("roundStartsAt").GetDateTimeOffset();
        var roundOneEnd = stopped.GetProperty("roundEndsAt").GetDateTimeOffset();

        MotionBatch Batch(long seq) => new()
        {
            GameId = gameId,
            PlayerId = playerId,
            Seq = seq,
            Samples = [new MotionSample { T = seq * 100, X = 19.81 }],
        };
        var inRoundOne = roundOneStart + (roundOneEnd - roundOneStart) / 2;
        var betweenRounds = roundOneEnd.AddMilliseconds(1);
        var kinesisEvent = new Game.Functions.Runtime.KinesisEvent
        {
            Records =
            [
                Record(Batch(1), inRoundOne),
                Record(Batch(2), betweenRounds),
            ],
        };

        var result = await server.Services.GetRequiredService<IGrainFactory>().GetGrain<IFunctionGrain>(ScoreFunction.Name)
            .Invoke(JsonSerializer.SerializeToUtf8Bytes(kinesisEvent));

        Assert.Null(result.ErrorType);
        var board = await http.GetFromJsonAsync<JsonElement>($"/api/games/{gameId}/scoreboard");
        Assert.Equal(2, board.GetProperty("round").GetInt32());
        Assert.Equal(100, board.GetProperty("players")[0].GetProperty("score").GetInt64());
    }

    private static Game.Functions.Runtime.KinesisEvent.KinesisEventRecord Record(MotionBatch batch, DateTimeOffset arrival) => new()
    {
        Kinesis = new Game.Functions.Runtime.KinesisEvent.Record
        {
            PartitionKey = batch.PlayerId,
            SequenceNumber = batch.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Data = MotionBatchCodec.EncodeJson(batch),
            ApproximateArrivalTimestamp = arrival,
        },
    };
}
