using System.Net.Http.Json;
using System.Text.Json;
using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Server.Ingest;
using Game.Tests.Infrastructure;
using Game.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Persistence;

/// <summary>
/// At-least-once delivery turned into an exactly-once effect, on the real host: the same records fed to the stream
/// twice, then again with duplicates interleaved, score exactly what the clean records score once.
/// </summary>
public sealed class ReplayTests
{
    [Fact]
    public async Task Scores_RecordsFedTwiceAndWithDuplicatesInterleaved_EqualTheCleanRun()
    {
        await using var server = new InProcessServer(new Dictionary<string, string?> { ["Game:CountdownSeconds"] = "0" }, []);
        var http = server.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", ServerProcess.TestPresenterKey);
        var game = await (await http.PostAsJsonAsync("/api/games", new { roundSeconds = 600 })).Content.ReadFromJsonAsync<JsonElement>();
        var gameId = game.GetProperty("gameId").GetString()!;
        var players = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var joined = await (await http.PostAsJsonAsync($"/api/games/{gameId}/players", new { nickname = $"P{i}" })).Content.ReadFromJsonAsync<JsonElement>();
            players.Add(joined.GetProperty("playerId").GetString()!);
        }

        (await http.PostAsync($"/api/games/{gameId}/start", null)).EnsureSuccessStatusCode();

        var random = new Random(7);
        var clean = players.SelectMany(player => Enumerable.Range(1, 12).Select(seq => new MotionBatch
        {
            GameId = gameId,
            PlayerId = player,
            Seq = seq,
            Samples = Enumerable.Range(0, 5).Select(k => new MotionSample { T = seq * 100 + k * 20, X = random.NextDouble() * 40, Y = 9.81, Z = 0 }).ToList(),
        })).ToList();
        var expected = clean.GroupBy(b => b.PlayerId).ToDictionary(
            g => g.Key,
            g => g.OrderBy(b => b.Seq).Aggregate(PlayerLedger.Empty, (ledger, b) => ScoreLedger.Apply(ledger, b, counts: true).Ledger).Score);

        // Once clean, once again whole, then each batch followed by an older duplicate of the same player.
        var interleaved = clean.SelectMany(b => new[] { b, clean.First(o => o.PlayerId == b.PlayerId && o.Seq == Math.Max(1, b.Seq - 3)) });
        var stream = server.Services.GetRequiredService<IngestStream>();
        foreach (var pass in new[] { clean, clean, interleaved.ToList() })
        {
            await stream.AppendAsync(pass.Select(b => new AppendRequest(b.PlayerId, MotionBatchCodec.Encode(b))).ToList());
        }

        // Wait until every shard's checkpoint has reached the end of the stream: every record was processed.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        for (var shard = 0; shard < stream.Map.ShardCount; shard++)
        {
            var latest = SequenceNumber.Format(shard, stream.LatestPosition(shard));
            while (stream.LatestPosition(shard) > 0 && await LeaseCheckpoints.ReadAsync(server.Services, $"{ScoreFunction.Name}/{stream.Name}/{ShardMap.ShardId(shard)}", CancellationToken.None) != latest)
            {
                Assert.True(DateTime.UtcNow < deadline, $"shard {shard} did not catch up");
                await Task.Delay(50);
            }
        }

        var board = await http.GetFromJsonAsync<JsonElement>($"/api/games/{gameId}/scoreboard");
        var actual = board.GetProperty("players").EnumerateArray().ToDictionary(p => p.GetProperty("playerId").GetString()!, p => p.GetProperty("score").GetInt64());
        Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(a => a.Key));
        Assert.All(expected.Values, score => Assert.True(score > 0));
    }
}
