using Amazon.DynamoDBv2.Model;
using Game.Functions.Contracts;
using static Game.Server.Storage.DynamoDb.DynamoDbAttributes;

namespace Game.Server.Storage.DynamoDb;

/// <summary>The ledgers' reads and conditional writes, the half of the game store that makes scores exactly once.</summary>
public sealed partial class DynamoDbGameStore
{
    /// <summary>BatchGetItem's limit of keys per request.</summary>
    private const int BatchGetLimit = 100;

    /// <summary>How many players' ledgers are written at once; enough to hide latency, few enough not to flood a partition.</summary>
    private const int WriteConcurrency = 16;

    /// <summary>
    /// Lost races on one ledger before giving up. Contention is rare (one shard owns a player) but two writers can
    /// collide repeatedly; with the jittered pause below, 30 attempts outlast any realistic race.
    /// </summary>
    private const int MaxLedgerAttempts = 30;

    /// <summary>Rounds of retrying BatchGetItem's unprocessed keys (the SDK retries errors, not partial answers).</summary>
    private const int MaxUnprocessedRounds = 10;

    /// <summary>Reads the ledgers of the given players (strongly consistent); players without a row are absent from the answer.</summary>
    private async Task<Dictionary<string, PlayerLedger>> ReadLedgersAsync(string gameId, List<string> playerIds, CancellationToken cancellationToken)
    {
        var ledgers = new Dictionary<string, PlayerLedger>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            playerIds.Chunk(BatchGetLimit),
            new ParallelOptions { MaxDegreeOfParallelism = WriteConcurrency, CancellationToken = cancellationToken },
            async (chunk, token) =>
            {
                var keys = new KeysAndAttributes
                {
                    Keys = chunk.Select(p => DynamoDbItems.PlayerKey(gameId, p)).ToList(),
                    ConsistentRead = true,
                    ProjectionExpression = "playerId, #score, #seq, #time, #until",
                    ExpressionAttributeNames = DynamoDbItems.LedgerNames,
                };
                for (var round = 0; ; round++)
                {
                    tables.Count("BatchGetItem");
                    var response = await tables.Client.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = new() { [tables.Scores] = keys } }, token);
                    if (response.Responses?.GetValueOrDefault(tables.Scores) is { } items)
                    {
                        lock (ledgers)
                        {
                            foreach (var item in items)
                            {
                                ledgers[item["playerId"].S] = DynamoDbItems.ReadLedger(item);
                            }
                        }
                    }

                    if (response.UnprocessedKeys?.GetValueOrDefault(tables.Scores) is not { Keys.Count: > 0 } unprocessed)
                    {
                        break;
                    }

                    if (round == MaxUnprocessedRounds)
                    {
                        throw new InvalidOperationException(
                            $"DynamoDB left {unprocessed.Keys.Count} ledgers of game '{gameId}' unread after {MaxUnprocessedRounds} retries.");
                    }

                    LogUnprocessedKeys(logger, unprocessed.Keys.Count, gameId);
                    keys = unprocessed;
                    await Task.Delay(Backoff(round), tables.Time, token);
                }
            });

        return ledgers;
    }

    /// <summary>
    /// Applies one player's updates to the ledger read and writes the result on the condition that the stored
    /// ledger is still the one read; on a lost race, re-reads and recomputes. Answers each update's ledger.
    /// </summary>
    private async Task<List<(string, PlayerLedger)>> UpdateLedgerAsync(
        string gameId, string playerId, PlayerLedger read, Func<PlayerLedger, PlayerLedger>[] updates, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var results = new List<(string, PlayerLedger)>(updates.Length);
            var next = read;
            foreach (var update in updates)
            {
                next = update(next);
                results.Add((playerId, next));
            }

            if (next == read)
            {
                return results;
            }

            try
            {
                tables.Count("UpdateItem");
                await tables.Client.UpdateItemAsync(LedgerWrite(gameId, playerId, read, next), cancellationToken);
                return results;
            }
            catch (ConditionalCheckFailedException) when (attempt < MaxLedgerAttempts)
            {
                LogLedgerRaced(logger, gameId, playerId, attempt);
                // A random pause breaks the lockstep of two writers that keep re-reading and colliding.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * Math.Min(attempt, 10))), tables.Time, cancellationToken);
            }
            catch (ConditionalCheckFailedException ex)
            {
                throw new InvalidOperationException(
                    $"The ledger of player '{playerId}' in game '{gameId}' changed under {MaxLedgerAttempts} attempts to update it.", ex);
            }

            if (await ReadLedgerAsync(gameId, playerId, cancellationToken) is not { } current)
            {
                // The row went away since the batch read: an unknown player is skipped.
                return [];
            }

            read = current;
        }
    }

    private async Task<PlayerLedger?> ReadLedgerAsync(string gameId, string playerId, CancellationToken cancellationToken)
    {
        tables.Count("GetItem");
        var response = await tables.Client.GetItemAsync(new GetItemRequest
        {
            TableName = tables.Scores,
            Key = DynamoDbItems.PlayerKey(gameId, playerId),
            ProjectionExpression = "#score, #seq, #time, #until",
            ExpressionAttributeNames = DynamoDbItems.LedgerNames,
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? DynamoDbItems.ReadLedger(item) : null;
    }

    /// <summary>The write of <paramref name="next"/>, conditional on the stored ledger still being <paramref name="read"/>.</summary>
    private UpdateItemRequest LedgerWrite(string gameId, string playerId, PlayerLedger read, PlayerLedger next)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":score"] = N(next.Score),
            [":seq"] = N(next.LastSeq),
            [":until"] = N(next.CountedUntil),
            [":readScore"] = N(read.Score),
            [":readSeq"] = N(read.LastSeq),
        };

        // "No sample yet" (-infinity) is the absence of the attribute: DynamoDB numbers hold no infinities.
        string update;
        if (double.IsNegativeInfinity(next.LastSampleTime))
        {
            update = "SET #score = :score, #seq = :seq, #until = :until REMOVE #time";
        }
        else
        {
            update = "SET #score = :score, #seq = :seq, #until = :until, #time = :time";
            values[":time"] = N(next.LastSampleTime);
        }

        // #seq = :readSeq also fails on a missing row, so a write never resurrects a removed player.
        var condition = "#seq = :readSeq AND #score = :readScore AND ";
        if (double.IsNegativeInfinity(read.LastSampleTime))
        {
            condition += "attribute_not_exists(#time)";
        }
        else
        {
            condition += "#time = :readTime";
            values[":readTime"] = N(read.LastSampleTime);
        }

        return new UpdateItemRequest
        {
            TableName = tables.Scores,
            Key = DynamoDbItems.PlayerKey(gameId, playerId),
            UpdateExpression = update,
            ConditionExpression = condition,
            ExpressionAttributeNames = DynamoDbItems.LedgerNames,
            ExpressionAttributeValues = values,
        };
    }

    private static TimeSpan Backoff(int round) => TimeSpan.FromMilliseconds(Math.Min(50 * (1 << round), 2_000) * (0.5 + Random.Shared.NextDouble() / 2));

    [LoggerMessage(Level = LogLevel.Debug, Message = "DynamoDB left {Count} ledgers of game {GameId} unread; retrying them")]
    private static partial void LogUnprocessedKeys(ILogger logger, int count, string gameId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The ledger of {PlayerId} in game {GameId} changed since it was read (attempt {Attempt}); re-reading")]
    private static partial void LogLedgerRaced(ILogger logger, string gameId, string playerId, int attempt);
}
