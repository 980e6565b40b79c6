using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Game.Functions.Contracts;
using Game.Server.EventSources.Leases;

namespace Game.Server.Storage;

/// <summary>
/// The DynamoDB store: games, players' ledgers, shard leases and dead letters in four tables (see docs/storage.md).
/// Runs against AWS or a local endpoint such as dynalite, so it uses no transactions.
/// </summary>
/// <remarks>
/// Exactly once without transactions: every ledger write is a conditional <c>UpdateItem</c> whose condition is
/// the ledger that was read. A concurrent or replayed update that read an older ledger fails its condition,
/// re-reads and recomputes, so it can neither be lost nor applied twice.
/// </remarks>
public sealed partial class DynamoDbGameStore : IGameStore, IShardLeaseStore, IDeadLetterStore, IDisposable
{
    /// <summary>BatchGetItem's limit of keys per request.</summary>
    private const int BatchGetLimit = 100;

    /// <summary>How many players' ledgers are written at once; enough to hide latency, few enough not to flood a partition.</summary>
    private const int WriteConcurrency = 16;

    /// <summary>A ledger that keeps losing its conditional write after this many reads is too contended to wait for.</summary>
    /// <summary>
    /// Lost races on one ledger before giving up. Contention is rare (one shard owns a player) but two writers can
    /// collide repeatedly; with the jittered pause below, 30 attempts outlast any realistic race.
    /// </summary>
    private const int MaxLedgerAttempts = 30;

    /// <summary>Rounds of retrying BatchGetItem's unprocessed keys (the SDK retries errors, not partial answers).</summary>
    private const int MaxUnprocessedRounds = 10;

    /// <summary>Acquisitions racing on one lease each get their own counter; this many lost races in a row means something is wrong.</summary>
    private const int MaxLeaseAttempts = 10;

    /// <summary>A dead letter's compressed records must leave room for its other attributes in DynamoDB's 400 KB item.</summary>
    private const int MaxDeadLetterRecordBytes = 380 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Ledger attributes go by placeholder: words like "score" may be reserved in DynamoDB expressions.</summary>
    private static Dictionary<string, string> LedgerNames => new()
    {
        ["#score"] = "score",
        ["#seq"] = "lastSeq",
        ["#time"] = "lastSampleTime",
    };

    private static readonly TimeSpan TablePollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan TableActiveTimeout = TimeSpan.FromMinutes(5);

    private readonly IAmazonDynamoDB _client;
    private readonly DynamoDbStorageOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DynamoDbGameStore> _logger;
    private readonly StorageMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly string _games;
    private readonly string _scores;
    private readonly string _leases;
    private readonly string _deadLetters;

    public DynamoDbGameStore(DynamoDbStorageOptions options, ILogger<DynamoDbGameStore> logger, StorageMetrics? metrics = null, TimeProvider? time = null)
    {
        _options = options;
        _logger = logger;
        _ownsMetrics = metrics is null;
        _metrics = metrics ?? new StorageMetrics();
        _time = time ?? TimeProvider.System;
        _client = CreateClient(options);
        _games = options.TablePrefix + "Games";
        _scores = options.TablePrefix + "Scores";
        _leases = options.TablePrefix + "Leases";
        _deadLetters = options.TablePrefix + "DeadLetters";
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(
            EnsureTableAsync(_games, [Key("gameId", KeyType.HASH)], cancellationToken),
            EnsureTableAsync(_scores, [Key("gameId", KeyType.HASH), Key("playerId", KeyType.RANGE)], cancellationToken),
            EnsureTableAsync(_leases, [Key("leaseKey", KeyType.HASH)], cancellationToken),
            EnsureTableAsync(_deadLetters, [Key("id", KeyType.HASH)], cancellationToken));

        static KeySchemaElement Key(string name, KeyType type) => new(name, type);
    }

    public Task SaveGameAsync(GameRecord game, CancellationToken cancellationToken)
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

        if (game.EarlierRounds.Count > 0)
        {
            // A list of [start, end] pairs: a game has a handful of rounds, far below the 400 KB item limit.
            item["earlierRounds"] = new AttributeValue
            {
                L = game.EarlierRounds.Select(r => new AttributeValue { L = [S(FormatTime(r.StartsAt)), S(FormatTime(r.EndsAt))] }).ToList(),
            };
        }

        Count("PutItem");
        return _client.PutItemAsync(new PutItemRequest { TableName = _games, Item = item }, cancellationToken);
    }

    public async Task<GameRecord?> GetGameAsync(string gameId, CancellationToken cancellationToken)
    {
        Count("GetItem");
        var response = await _client.GetItemAsync(new GetItemRequest
        {
            TableName = _games,
            Key = new() { ["gameId"] = S(gameId) },
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? ReadGame(item) : null;
    }

    public async Task<IReadOnlyList<GameRecord>> ListGamesAsync(CancellationToken cancellationToken)
    {
        var games = new List<GameRecord>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            Count("Scan");
            var response = await _client.ScanAsync(new ScanRequest
            {
                TableName = _games,
                ConsistentRead = true,
                ExclusiveStartKey = startKey,
            }, cancellationToken);
            games.AddRange((response.Items ?? []).Select(ReadGame));
            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);

        // A scan has no order; sort as the embedded store does (creation to the millisecond, then id).
        return games
            .OrderByDescending(g => g.CreatedAt.ToUnixTimeMilliseconds())
            .ThenBy(g => g.GameId, StringComparer.Ordinal)
            .ToList();
    }

    public async Task AddPlayerAsync(string gameId, PlayerProfile player, CancellationToken cancellationToken)
    {
        try
        {
            Count("PutItem");
            await _client.PutItemAsync(new PutItemRequest
            {
                TableName = _scores,
                Item = new()
                {
                    ["gameId"] = S(gameId),
                    ["playerId"] = S(player.PlayerId),
                    ["nickname"] = S(player.Nickname),
                    ["team"] = S(player.Team),
                    ["score"] = N(0),
                    ["lastSeq"] = N(0),
                },
                ConditionExpression = "attribute_not_exists(playerId)",
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            // Joined before: the existing row, and its score, stay as they are.
        }
    }

    public async Task<IReadOnlyList<PlayerRow>> GetPlayersAsync(string gameId, CancellationToken cancellationToken)
    {
        var players = new List<PlayerRow>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            Count("Query");
            var response = await _client.QueryAsync(new QueryRequest
            {
                TableName = _scores,
                KeyConditionExpression = "gameId = :game",
                ExpressionAttributeValues = new() { [":game"] = S(gameId) },
                ConsistentRead = true,
                ScanIndexForward = true,
                ExclusiveStartKey = startKey,
            }, cancellationToken);
            foreach (var item in response.Items ?? [])
            {
                players.Add(new PlayerRow(
                    new PlayerProfile { PlayerId = item["playerId"].S, Nickname = item["nickname"].S, Team = item["team"].S },
                    ReadLedger(item)));
            }

            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);

        return players;
    }

    public async Task<IReadOnlyList<(string PlayerId, PlayerLedger Ledger)>> UpdateLedgersAsync(
        string gameId,
        IReadOnlyList<(string PlayerId, Func<PlayerLedger, PlayerLedger> Update)> updates,
        CancellationToken cancellationToken)
    {
        // Several updates of one player apply in the order given, against one read and with one write.
        var byPlayer = updates
            .GroupBy(u => u.PlayerId, StringComparer.Ordinal)
            .Select(g => (PlayerId: g.Key, Updates: g.Select(u => u.Update).ToArray()))
            .ToList();
        var ledgers = await ReadLedgersAsync(gameId, byPlayer.Select(p => p.PlayerId).ToList(), cancellationToken);

        var written = new List<(string, PlayerLedger)>?[byPlayer.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, byPlayer.Count),
            new ParallelOptions { MaxDegreeOfParallelism = WriteConcurrency, CancellationToken = cancellationToken },
            async (index, token) =>
            {
                var (playerId, playerUpdates) = byPlayer[index];
                if (ledgers.TryGetValue(playerId, out var read))
                {
                    written[index] = await UpdateLedgerAsync(gameId, playerId, read, playerUpdates, token);
                }
            });

        return written.SelectMany(w => w ?? []).ToList();
    }

    public async Task<string?> GetCheckpointAsync(string leaseKey, CancellationToken cancellationToken)
    {
        Count("GetItem");
        var response = await _client.GetItemAsync(new GetItemRequest
        {
            TableName = _leases,
            Key = new() { ["leaseKey"] = S(leaseKey) },
            ProjectionExpression = "#checkpoint",
            ExpressionAttributeNames = new() { ["#checkpoint"] = "checkpoint" },
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { } item && item.TryGetValue("checkpoint", out var checkpoint) ? checkpoint.S : null;
    }

    public async Task<Lease> AcquireLeaseAsync(string leaseKey, string owner, CancellationToken cancellationToken)
    {
        var key = new Dictionary<string, AttributeValue> { ["leaseKey"] = S(leaseKey) };
        var names = new Dictionary<string, string> { ["#counter"] = "leaseCounter", ["#owner"] = "leaseOwner" };
        for (var attempt = 1; ; attempt++)
        {
            Count("GetItem");
            var read = await _client.GetItemAsync(new GetItemRequest
            {
                TableName = _leases,
                Key = key,
                ProjectionExpression = "#counter",
                ExpressionAttributeNames = new() { ["#counter"] = "leaseCounter" },
                ConsistentRead = true,
            }, cancellationToken);
            long? counter = read.Item is { } item && item.TryGetValue("leaseCounter", out var stored)
                ? long.Parse(stored.N, CultureInfo.InvariantCulture)
                : null;

            // Conditional on the counter read, not a blind ADD: two processors acquiring at once must not both
            // believe they hold the same counter. A row without a counter (a bare checkpoint) starts at 1.
            var values = new Dictionary<string, AttributeValue> { [":owner"] = S(owner), [":next"] = N((counter ?? 0) + 1) };
            string condition;
            if (counter is { } current)
            {
                condition = "#counter = :read";
                values[":read"] = N(current);
            }
            else
            {
                condition = "attribute_not_exists(#counter)";
            }

            try
            {
                Count("UpdateItem");
                var written = await _client.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = _leases,
                    Key = key,
                    UpdateExpression = "SET #counter = :next, #owner = :owner",
                    ConditionExpression = condition,
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                    // The checkpoint as of this write: once the counter moved, the old holder cannot change it any more.
                    ReturnValues = ReturnValue.ALL_NEW,
                }, cancellationToken);
                return new Lease
                {
                    LeaseKey = leaseKey,
                    Owner = owner,
                    LeaseCounter = (counter ?? 0) + 1,
                    Checkpoint = written.Attributes?.GetValueOrDefault("checkpoint")?.S,
                };
            }
            catch (ConditionalCheckFailedException) when (attempt < MaxLeaseAttempts)
            {
                LogLeaseRaced(_logger, leaseKey, attempt);
            }
            catch (ConditionalCheckFailedException ex)
            {
                throw new InvalidOperationException($"The lease '{leaseKey}' changed under {MaxLeaseAttempts} attempts to acquire it.", ex);
            }
        }
    }

    public async Task SetCheckpointAsync(string leaseKey, string sequenceNumber, long leaseCounter, CancellationToken cancellationToken)
    {
        try
        {
            // UpdateItem, not PutItem: the owner and counter stay. The condition is the fence; it also fails on a
            // missing row, so no checkpoint is written without an acquired lease.
            Count("UpdateItem");
            await _client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _leases,
                Key = new() { ["leaseKey"] = S(leaseKey) },
                UpdateExpression = "SET #checkpoint = :checkpoint",
                ConditionExpression = "#counter = :counter",
                ExpressionAttributeNames = new() { ["#checkpoint"] = "checkpoint", ["#counter"] = "leaseCounter" },
                ExpressionAttributeValues = new() { [":checkpoint"] = S(sequenceNumber), [":counter"] = N(leaseCounter) },
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException ex)
        {
            throw new LeaseLostException(leaseKey, leaseCounter, ex);
        }
    }

    public Task AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        var records = CompressRecords(deadLetter.Records);
        if (records.Length > MaxDeadLetterRecordBytes)
        {
            throw new InvalidOperationException(
                $"Dead letter '{deadLetter.Id}' holds {deadLetter.Records.Count} records that take {records.Length} bytes compressed; a DynamoDB item holds at most 400 KB. Lower the mapping's BatchSize.");
        }

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

        Count("PutItem");
        return _client.PutItemAsync(new PutItemRequest { TableName = _deadLetters, Item = item }, cancellationToken);
    }

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(string? functionName, CancellationToken cancellationToken)
    {
        // Dead letters are few (each is a whole batch given up on), so a scan is cheap; see docs/storage.md for
        // the index that replaces it if they ever are not.
        var deadLetters = new List<DeadLetter>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            var request = new ScanRequest { TableName = _deadLetters, ConsistentRead = true, ExclusiveStartKey = startKey };
            if (functionName is not null)
            {
                request.FilterExpression = "functionName = :function";
                request.ExpressionAttributeValues = new() { [":function"] = S(functionName) };
            }

            Count("Scan");
            var response = await _client.ScanAsync(request, cancellationToken);
            deadLetters.AddRange((response.Items ?? []).Select(ReadDeadLetter));
            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);

        return deadLetters.OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
    }

    public async Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken)
    {
        Count("GetItem");
        var response = await _client.GetItemAsync(new GetItemRequest
        {
            TableName = _deadLetters,
            Key = new() { ["id"] = S(id) },
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? ReadDeadLetter(item) : null;
    }

    public async Task MarkReplayedAsync(string id, DateTimeOffset replayedAt, CancellationToken cancellationToken)
    {
        try
        {
            Count("UpdateItem");
            await _client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _deadLetters,
                Key = new() { ["id"] = S(id) },
                UpdateExpression = "SET replayedAt = :replayedAt",
                // Without it, UpdateItem would create an item holding only id and replayedAt.
                ConditionExpression = "attribute_exists(id)",
                ExpressionAttributeValues = new() { [":replayedAt"] = S(FormatTime(replayedAt)) },
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException ex)
        {
            throw new KeyNotFoundException($"No dead letter has the id '{id}'.", ex);
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        if (_ownsMetrics)
        {
            _metrics.Dispose();
        }
    }

    private static AmazonDynamoDBClient CreateClient(DynamoDbStorageOptions options)
    {
        var config = new AmazonDynamoDBConfig
        {
            // Standard mode backs off with jitter on throttling (ProvisionedThroughputExceeded, RequestLimitExceeded).
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = 8,
        };

        if (string.IsNullOrEmpty(options.ServiceUrl))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
            return options is { AccessKeyId: { Length: > 0 } key, SecretAccessKey: { Length: > 0 } secret }
                ? new AmazonDynamoDBClient(new BasicAWSCredentials(key, secret), config)
                : new AmazonDynamoDBClient(config);
        }

        // A local endpoint checks no credentials, but the SDK signs every request and so needs some.
        config.ServiceURL = options.ServiceUrl;
        config.AuthenticationRegion = options.Region;
        var credentials = new BasicAWSCredentials(
            string.IsNullOrEmpty(options.AccessKeyId) ? "local" : options.AccessKeyId,
            string.IsNullOrEmpty(options.SecretAccessKey) ? "local" : options.SecretAccessKey);
        return new AmazonDynamoDBClient(credentials, config);
    }

    private async Task EnsureTableAsync(string table, List<KeySchemaElement> keys, CancellationToken cancellationToken)
    {
        if (await TableStatusAsync(table, keys, cancellationToken) is null)
        {
            if (!_options.CreateTables)
            {
                throw new InvalidOperationException(
                    $"The DynamoDB table '{table}' does not exist and Storage:DynamoDb:CreateTables is false. Create it, or set CreateTables to true.");
            }

            try
            {
                Count("CreateTable");
                await _client.CreateTableAsync(new CreateTableRequest
                {
                    TableName = table,
                    KeySchema = keys,
                    AttributeDefinitions = keys.Select(k => new AttributeDefinition(k.AttributeName, ScalarAttributeType.S)).ToList(),
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                }, cancellationToken);
                LogTableCreated(_logger, table);
            }
            catch (ResourceInUseException)
            {
                // Another server created it between our describe and create; waiting for it below is all we need.
            }
        }

        var deadline = _time.GetUtcNow() + TableActiveTimeout;
        while (await TableStatusAsync(table, keys, cancellationToken) != TableStatus.ACTIVE)
        {
            if (_time.GetUtcNow() >= deadline)
            {
                throw new TimeoutException($"The DynamoDB table '{table}' did not become ACTIVE within {TableActiveTimeout.TotalMinutes:0} minutes.");
            }

            await Task.Delay(TablePollInterval, _time, cancellationToken);
        }
    }

    private async Task<TableStatus?> TableStatusAsync(string table, List<KeySchemaElement> keys, CancellationToken cancellationToken)
    {
        try
        {
            Count("DescribeTable");
            var response = await _client.DescribeTableAsync(new DescribeTableRequest { TableName = table }, cancellationToken);
            CheckKeySchema(table, response.Table.KeySchema, keys);
            return response.Table.TableStatus;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

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
                    Keys = chunk.Select(p => PlayerKey(gameId, p)).ToList(),
                    ConsistentRead = true,
                    ProjectionExpression = "playerId, #score, #seq, #time",
                    ExpressionAttributeNames = LedgerNames,
                };
                for (var round = 0; ; round++)
                {
                    Count("BatchGetItem");
                    var response = await _client.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = new() { [_scores] = keys } }, token);
                    if (response.Responses?.GetValueOrDefault(_scores) is { } items)
                    {
                        lock (ledgers)
                        {
                            foreach (var item in items)
                            {
                                ledgers[item["playerId"].S] = ReadLedger(item);
                            }
                        }
                    }

                    if (response.UnprocessedKeys?.GetValueOrDefault(_scores) is not { Keys.Count: > 0 } unprocessed)
                    {
                        break;
                    }

                    if (round == MaxUnprocessedRounds)
                    {
                        throw new InvalidOperationException(
                            $"DynamoDB left {unprocessed.Keys.Count} ledgers of game '{gameId}' unread after {MaxUnprocessedRounds} retries.");
                    }

                    LogUnprocessedKeys(_logger, unprocessed.Keys.Count, gameId);
                    keys = unprocessed;
                    await Task.Delay(Backoff(round), _time, token);
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
                Count("UpdateItem");
                await _client.UpdateItemAsync(LedgerWrite(gameId, playerId, read, next), cancellationToken);
                return results;
            }
            catch (ConditionalCheckFailedException) when (attempt < MaxLedgerAttempts)
            {
                LogLedgerRaced(_logger, gameId, playerId, attempt);
                // A random pause breaks the lockstep of two writers that keep re-reading and colliding.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * Math.Min(attempt, 10))), cancellationToken);
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
        Count("GetItem");
        var response = await _client.GetItemAsync(new GetItemRequest
        {
            TableName = _scores,
            Key = PlayerKey(gameId, playerId),
            ProjectionExpression = "#score, #seq, #time",
            ExpressionAttributeNames = LedgerNames,
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? ReadLedger(item) : null;
    }

    /// <summary>The write of <paramref name="next"/>, conditional on the stored ledger still being <paramref name="read"/>.</summary>
    private UpdateItemRequest LedgerWrite(string gameId, string playerId, PlayerLedger read, PlayerLedger next)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":score"] = N(next.Score),
            [":seq"] = N(next.LastSeq),
            [":readScore"] = N(read.Score),
            [":readSeq"] = N(read.LastSeq),
        };

        // "No sample yet" (-infinity) is the absence of the attribute: DynamoDB numbers hold no infinities.
        string update;
        if (double.IsNegativeInfinity(next.LastSampleTime))
        {
            update = "SET #score = :score, #seq = :seq REMOVE #time";
        }
        else
        {
            update = "SET #score = :score, #seq = :seq, #time = :time";
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
            TableName = _scores,
            Key = PlayerKey(gameId, playerId),
            UpdateExpression = update,
            ConditionExpression = condition,
            ExpressionAttributeNames = LedgerNames,
            ExpressionAttributeValues = values,
        };
    }

    private static DeadLetter ReadDeadLetter(Dictionary<string, AttributeValue> item) => new()
    {
        Id = item["id"].S,
        FunctionName = item["functionName"].S,
        StreamName = item["streamName"].S,
        ShardId = item["shardId"].S,
        StartSequenceNumber = item["startSequenceNumber"].S,
        EndSequenceNumber = item["endSequenceNumber"].S,
        BatchSize = int.Parse(item["batchSize"].N, CultureInfo.InvariantCulture),
        Condition = item["condition"].S,
        Error = item.TryGetValue("error", out var error) ? error.S : null,
        Attempts = int.Parse(item["attempts"].N, CultureInfo.InvariantCulture),
        FailedAt = ParseTime(item["failedAt"].S),
        ReplayedAt = item.TryGetValue("replayedAt", out var replayedAt) ? ParseTime(replayedAt.S) : null,
        Records = DecompressRecords(item["records"].B),
    };

    /// <summary>The records as gzipped JSON: record payloads are mostly JSON or MessagePack and shrink well, and the item limit is 400 KB.</summary>
    private static byte[] CompressRecords(IReadOnlyList<StreamRecord> records)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, records, Json);
        }

        return buffer.ToArray();
    }

    private static IReadOnlyList<StreamRecord> DecompressRecords(MemoryStream compressed)
    {
        compressed.Position = 0;
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        return JsonSerializer.Deserialize<List<StreamRecord>>(gzip, Json) ?? [];
    }

    /// <summary>A table made by an older version with other keys cannot be written; say so rather than fail on the first write.</summary>
    private static void CheckKeySchema(string table, List<KeySchemaElement>? actual, List<KeySchemaElement> expected)
    {
        static string Describe(IEnumerable<KeySchemaElement> keys) =>
            string.Join(", ", keys.Select(k => $"{k.AttributeName} ({k.KeyType.Value})"));

        if (actual is not null && Describe(actual) != Describe(expected))
        {
            throw new InvalidOperationException(
                $"The DynamoDB table '{table}' has the keys {Describe(actual)}, but this version needs {Describe(expected)}. Delete the table (or use another Storage:DynamoDb:TablePrefix) and start again.");
        }
    }

    private void Count(string operation) => _metrics.CountDynamoDbRequest(operation);

    private static Dictionary<string, AttributeValue> PlayerKey(string gameId, string playerId) =>
        new() { ["gameId"] = S(gameId), ["playerId"] = S(playerId) };

    private static PlayerLedger ReadLedger(Dictionary<string, AttributeValue> item) => new()
    {
        Score = long.Parse(item["score"].N, CultureInfo.InvariantCulture),
        LastSeq = long.Parse(item["lastSeq"].N, CultureInfo.InvariantCulture),
        LastSampleTime = item.TryGetValue("lastSampleTime", out var time)
            ? double.Parse(time.N, CultureInfo.InvariantCulture)
            : double.NegativeInfinity,
    };

    private static GameRecord ReadGame(Dictionary<string, AttributeValue> item) => new()
    {
        GameId = item["gameId"].S,
        Phase = Enum.Parse<GamePhase>(item["phase"].S),
        RoundSeconds = int.Parse(item["roundSeconds"].N, CultureInfo.InvariantCulture),
        Round = int.Parse(item["round"].N, CultureInfo.InvariantCulture),
        RoundStartsAt = item.TryGetValue("roundStartsAt", out var startsAt) ? ParseTime(startsAt.S) : null,
        RoundEndsAt = item.TryGetValue("roundEndsAt", out var endsAt) ? ParseTime(endsAt.S) : null,
        CreatedAt = ParseTime(item["createdAt"].S),
        EarlierRounds = item.TryGetValue("earlierRounds", out var rounds)
            ? rounds.L.Select(r => new RoundWindow(ParseTime(r.L[0].S), ParseTime(r.L[1].S))).ToList()
            : [],
    };

    /// <summary>ISO-8601 round-trip form: keeps every tick and the offset, and reads well in the console.</summary>
    private static string FormatTime(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None);

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static AttributeValue N(double value) =>
        double.IsFinite(value)
            ? new() { N = value.ToString("R", CultureInfo.InvariantCulture) }
            : throw new ArgumentOutOfRangeException(nameof(value), value, "DynamoDB numbers must be finite.");

    private static TimeSpan Backoff(int round) => TimeSpan.FromMilliseconds(Math.Min(50 * (1 << round), 2_000) * (0.5 + Random.Shared.NextDouble() / 2));

    [LoggerMessage(Level = LogLevel.Information, Message = "Created DynamoDB table {Table}")]
    private static partial void LogTableCreated(ILogger logger, string table);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DynamoDB left {Count} ledgers of game {GameId} unread; retrying them")]
    private static partial void LogUnprocessedKeys(ILogger logger, int count, string gameId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lease {LeaseKey} was acquired by another processor while this one tried (attempt {Attempt}); re-reading")]
    private static partial void LogLeaseRaced(ILogger logger, string leaseKey, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The ledger of {PlayerId} in game {GameId} changed since it was read (attempt {Attempt}); re-reading")]
    private static partial void LogLedgerRaced(ILogger logger, string gameId, string playerId, int attempt);
}
