using System.IO.Compression;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Game.Functions.Contracts;
using static Game.Server.Storage.DynamoDb.DynamoDbAttributes;

namespace Game.Server.Storage.DynamoDb;

/// <summary>How games, ledgers and dead letters are laid out as DynamoDB items (see docs/storage.md).</summary>
internal static class DynamoDbItems
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Ledger attributes go by placeholder: words like "score" may be reserved in DynamoDB expressions.</summary>
    public static Dictionary<string, string> LedgerNames => new()
    {
        ["#score"] = "score",
        ["#seq"] = "lastSeq",
        ["#time"] = "lastSampleTime",
        ["#until"] = "countedUntil",
    };

    public static Dictionary<string, AttributeValue> GameItem(GameRecord game)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["gameId"] = S(game.GameId),
            ["phase"] = S(game.Phase.ToString()),
            ["roundSeconds"] = N(game.RoundSeconds),
            ["round"] = N(game.Round),
            ["createdAt"] = S(FormatTime(game.CreatedAt)),
        };

        // Absent attributes, not empty strings: a game in its lobby has no round times yet.
        if (game.RoundStartsAt is { } startsAt)
        {
            item["roundStartsAt"] = S(FormatTime(startsAt));
        }

        if (game.RoundEndsAt is { } endsAt)
        {
            item["roundEndsAt"] = S(FormatTime(endsAt));
        }

        if (game.Scoring != ScoreMode.RunningTotal)
        {
            // Absent for the default, so games saved before the setting existed read back as they always counted.
            item["scoring"] = S(game.Scoring.ToString());
        }

        if (game.EarlierRounds.Count > 0)
        {
            // A list of [start, end] pairs: a game has a handful of rounds, far below the 400 KB item limit.
            item["earlierRounds"] = new AttributeValue
            {
                L = game.EarlierRounds.Select(r => new AttributeValue { L = [S(FormatTime(r.StartsAt)), S(FormatTime(r.EndsAt))] }).ToList(),
            };
        }

        return item;
    }

    public static GameRecord ReadGame(Dictionary<string, AttributeValue> item) => new()
    {
        GameId = item["gameId"].S,
        Phase = Enum.Parse<GamePhase>(item["phase"].S),
        RoundSeconds = Int(item["roundSeconds"]),
        Round = Int(item["round"]),
        RoundStartsAt = item.TryGetValue("roundStartsAt", out var startsAt) ? ParseTime(startsAt.S) : null,
        RoundEndsAt = item.TryGetValue("roundEndsAt", out var endsAt) ? ParseTime(endsAt.S) : null,
        CreatedAt = ParseTime(item["createdAt"].S),
        Scoring = item.TryGetValue("scoring", out var scoring) ? Enum.Parse<ScoreMode>(scoring.S) : ScoreMode.RunningTotal,
        EarlierRounds = item.TryGetValue("earlierRounds", out var rounds)
            ? rounds.L.Select(r => new RoundWindow(ParseTime(r.L[0].S), ParseTime(r.L[1].S))).ToList()
            : [],
    };

    public static Dictionary<string, AttributeValue> PlayerKey(string gameId, string playerId) =>
        new() { ["gameId"] = S(gameId), ["playerId"] = S(playerId) };

    /// <summary>"No sample yet" (-infinity) is the absence of <c>lastSampleTime</c>: DynamoDB numbers hold no infinities.</summary>
    public static PlayerLedger ReadLedger(Dictionary<string, AttributeValue> item) => new()
    {
        Score = Long(item["score"]),
        LastSeq = Long(item["lastSeq"]),
        LastSampleTime = item.TryGetValue("lastSampleTime", out var time) ? Double(time) : double.NegativeInfinity,
        CountedUntil = item.TryGetValue("countedUntil", out var until) ? Long(until) : 0,
    };

    /// <summary>The item of <paramref name="deadLetter"/>, with its <paramref name="records"/> as <see cref="CompressRecords"/> made them.</summary>
    public static Dictionary<string, AttributeValue> DeadLetterItem(DeadLetter deadLetter, byte[] records)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["id"] = S(deadLetter.Id),
            ["functionName"] = S(deadLetter.FunctionName),
            ["streamName"] = S(deadLetter.StreamName),
            ["shardId"] = S(deadLetter.ShardId),
            ["startSequenceNumber"] = S(deadLetter.StartSequenceNumber),
            ["endSequenceNumber"] = S(deadLetter.EndSequenceNumber),
            ["batchSize"] = N(deadLetter.BatchSize),
            ["condition"] = S(deadLetter.Condition),
            ["attempts"] = N(deadLetter.Attempts),
            ["failedAt"] = S(FormatTime(deadLetter.FailedAt)),
            ["records"] = new AttributeValue { B = new MemoryStream(records) },
        };

        // Absent, not empty: an empty string is a valid error message, and a dead letter starts unreplayed.
        if (deadLetter.Error is { } error)
        {
            item["error"] = S(error);
        }

        if (deadLetter.ReplayedAt is { } replayedAt)
        {
            item["replayedAt"] = S(FormatTime(replayedAt));
        }

        // An Event invocation's: absent on a mapping's dead letter.
        if (deadLetter.RequestId is { } requestId)
        {
            item["requestId"] = S(requestId);
        }

        if (deadLetter.Payload is { } payload)
        {
            item["payload"] = new AttributeValue { B = new MemoryStream(Compress(payload)) };
        }

        return item;
    }

    public static DeadLetter ReadDeadLetter(Dictionary<string, AttributeValue> item) => new()
    {
        Id = item["id"].S,
        FunctionName = item["functionName"].S,
        StreamName = item["streamName"].S,
        ShardId = item["shardId"].S,
        StartSequenceNumber = item["startSequenceNumber"].S,
        EndSequenceNumber = item["endSequenceNumber"].S,
        BatchSize = Int(item["batchSize"]),
        Condition = item["condition"].S,
        Error = item.TryGetValue("error", out var error) ? error.S : null,
        Attempts = Int(item["attempts"]),
        FailedAt = ParseTime(item["failedAt"].S),
        ReplayedAt = item.TryGetValue("replayedAt", out var replayedAt) ? ParseTime(replayedAt.S) : null,
        Records = DecompressRecords(item["records"].B),
        RequestId = item.TryGetValue("requestId", out var requestId) ? requestId.S : null,
        Payload = item.TryGetValue("payload", out var payload) ? Decompress(payload.B) : null,
    };

    /// <summary>The records as gzipped JSON: record payloads are mostly JSON or MessagePack and shrink well, and the item limit is 400 KB.</summary>
    public static byte[] CompressRecords(IReadOnlyList<StreamRecord> records)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, records, Json);
        }

        return buffer.ToArray();
    }

    /// <summary>A payload gzipped: Event payloads (up to 1 MB) are JSON and must fit a 400 KB item.</summary>
    public static byte[] Compress(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    public static byte[] Decompress(MemoryStream compressed)
    {
        compressed.Position = 0;
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        using var data = new MemoryStream();
        gzip.CopyTo(data);
        return data.ToArray();
    }

    private static IReadOnlyList<StreamRecord> DecompressRecords(MemoryStream compressed)
    {
        compressed.Position = 0;
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        return JsonSerializer.Deserialize<List<StreamRecord>>(gzip, Json) ?? [];
    }
}
