using System.Text.Json;
using Game.Server.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Game.Server.Ingest;

/// <summary>
/// The embedded streams: the primary one (<c>Ingest:StreamName</c>, which the game and its event sources use) and
/// any created over the Kinesis API (CreateStream), each an <see cref="IngestStream"/> of its own with its own
/// database file. What the records do not say (mode, creation time, tags, a retention set over the API, registered
/// consumers) is kept in <c>streams.db</c>, so created streams and their settings survive a restart.
/// </summary>
public sealed partial class IngestStreams : IAsyncDisposable
{
    /// <summary>Kinesis' default shard quota per account and region (open shards over every stream).</summary>
    public const int MaxOpenShards = 500;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, StreamEntry> _streams = new(StringComparer.Ordinal);
    private readonly IngestOptions _options;
    private readonly DataDirectory _data;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly string _connectionString;

    public IngestStreams(IngestStream primary, IOptions<IngestOptions> options, DataDirectory data, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options.Value;
        _data = data;
        _time = time;
        _loggers = loggers;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = data.File("streams.db"), Pooling = true }.ToString();
        Primary = Load(primary);
    }

    /// <summary>The stream the game uses.</summary>
    public StreamEntry Primary { get; }

    /// <summary>Every stream, in name order.</summary>
    public IReadOnlyList<StreamEntry> All
    {
        get
        {
            lock (_lock)
            {
                return _streams.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
            }
        }
    }

    public StreamEntry? Find(string name)
    {
        lock (_lock)
        {
            return _streams.GetValueOrDefault(name);
        }
    }

    /// <summary>Open shards over every stream, what the account quota counts.</summary>
    public int OpenShardCount
    {
        get
        {
            lock (_lock)
            {
                return _streams.Values.Sum(s => s.Stream.Map.OpenShardCount);
            }
        }
    }

    /// <summary>Creates a stream; null when one of that name exists.</summary>
    /// <exception cref="StreamLimitException">The account's shard quota would be exceeded.</exception>
    public StreamEntry? Create(string name, int shardCount, StreamMode mode, IReadOnlyDictionary<string, string> tags)
    {
        lock (_lock)
        {
            if (_streams.ContainsKey(name))
            {
                return null;
            }

            var open = _streams.Values.Sum(s => s.Stream.Map.OpenShardCount);
            if (open + shardCount > MaxOpenShards)
            {
                throw new StreamLimitException(open, shardCount);
            }

            var createdAt = _time.GetUtcNow();
            // A stream of this name deleted earlier may have left its file behind (a crash mid-delete): start empty.
            DeleteFiles(name);
            var entry = new StreamEntry(Open(name, shardCount, _options.RetentionHours), mode, createdAt, isPrimary: false, tags)
            {
                StoredRetentionHours = _options.RetentionHours,
            };
            Save(entry);
            _streams.Add(name, entry);
            LogCreated(_loggers.CreateLogger<IngestStreams>(), name, shardCount, mode);
            return entry;
        }
    }

    /// <summary>Deletes a created stream and its records; the primary stream is never deleted.</summary>
    public async Task<bool> DeleteAsync(StreamEntry entry)
    {
        if (entry.IsPrimary)
        {
            throw new InvalidOperationException("The primary stream cannot be deleted.");
        }

        lock (_lock)
        {
            if (!_streams.Remove(entry.Name, out var removed) || removed != entry)
            {
                return false;
            }

            using var connection = OpenCatalog();
            using var command = connection.CreateCommand();
            // Its consumers go with it, in the same transaction (one statement list runs as one here).
            command.CommandText = "BEGIN; DELETE FROM streams WHERE name = $name; DELETE FROM consumers WHERE stream = $name; COMMIT;";
            command.Parameters.AddWithValue("$name", entry.Name);
            command.ExecuteNonQuery();
            ForgetConsumers(entry.Name);
        }

        await entry.Stream.DisposeAsync();
        SqliteConnection.ClearAllPools();
        DeleteFiles(entry.Name);
        LogDeleted(_loggers.CreateLogger<IngestStreams>(), entry.Name);
        return true;
    }

    /// <summary>Sets how long the stream keeps records, and remembers it across restarts.</summary>
    public void SetRetention(StreamEntry entry, int hours)
    {
        lock (_lock)
        {
            entry.Stream.RetentionHours = hours;
            entry.StoredRetentionHours = hours;
            Save(entry);
        }
    }

    /// <summary>Adds or overwrites tags; false (changing nothing) when the stream would hold more than <paramref name="maxTags"/>.</summary>
    public bool AddTags(StreamEntry entry, IReadOnlyDictionary<string, string> tags, int maxTags)
    {
        lock (_lock)
        {
            if (entry.Tags.Keys.Union(tags.Keys).Count() > maxTags)
            {
                return false;
            }

            foreach (var (key, value) in tags)
            {
                entry.Tags[key] = value;
            }

            Save(entry);
            return true;
        }
    }

    public void RemoveTags(StreamEntry entry, IEnumerable<string> keys)
    {
        lock (_lock)
        {
            foreach (var key in keys)
            {
                entry.Tags.Remove(key);
            }

            Save(entry);
        }
    }

    /// <summary>The stream's tags in key order, copied under the lock.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> TagsOf(StreamEntry entry)
    {
        lock (_lock)
        {
            return entry.Tags.ToList();
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<StreamEntry> created;
        lock (_lock)
        {
            created = _streams.Values.Where(s => !s.IsPrimary).ToList();
        }

        // The primary stream belongs to the container (the game uses it directly) and is disposed there.
        foreach (var entry in created)
        {
            await entry.Stream.DisposeAsync();
        }
    }

    private StreamEntry Load(IngestStream primary)
    {
        using var connection = OpenCatalog();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = """
                CREATE TABLE IF NOT EXISTS streams (
                    name TEXT PRIMARY KEY,
                    shard_count INTEGER NOT NULL,
                    mode TEXT NOT NULL,
                    retention_hours INTEGER,
                    created INTEGER NOT NULL,
                    tags TEXT NOT NULL);
                """;
            create.ExecuteNonQuery();
        }

        LoadConsumers(connection);
        StreamEntry? primaryEntry = null;
        using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT name, shard_count, mode, retention_hours, created, tags FROM streams";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var name = reader.GetString(0);
                var mode = Enum.Parse<StreamMode>(reader.GetString(2));
                int? retention = reader.IsDBNull(3) ? null : reader.GetInt32(3);
                var createdAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4));
                var tags = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5)) ?? [];
                if (name == primary.Name)
                {
                    // A retention set over the API outlives the configured one; none set keeps Ingest:RetentionHours.
                    if (retention is { } hours)
                    {
                        primary.RetentionHours = hours;
                    }

                    primaryEntry = new StreamEntry(primary, mode, createdAt, isPrimary: true, tags) { StoredRetentionHours = retention };
                    _streams.Add(name, primaryEntry);
                }
                else
                {
                    var stream = Open(name, reader.GetInt32(1), retention ?? _options.RetentionHours);
                    _streams.Add(name, new StreamEntry(stream, mode, createdAt, isPrimary: false, tags) { StoredRetentionHours = retention });
                }
            }
        }

        if (primaryEntry is null)
        {
            primaryEntry = new StreamEntry(primary, StreamMode.PROVISIONED, _time.GetUtcNow(), isPrimary: true, new Dictionary<string, string>());
            _streams.Add(primary.Name, primaryEntry);
            Save(primaryEntry);
        }

        return primaryEntry;
    }

    private IngestStream Open(string name, int shardCount, int retentionHours)
    {
        var options = new IngestOptions
        {
            StreamName = name,
            ShardCount = shardCount,
            RetentionHours = retentionHours,
            MaxPendingRecords = _options.MaxPendingRecords,
            MaxRecordBytes = _options.MaxRecordBytes,
            MaxRequestBytes = _options.MaxRequestBytes,
            EnforceShardLimits = _options.EnforceShardLimits,
            ShardRecordsPerSecond = _options.ShardRecordsPerSecond,
            ShardBytesPerSecond = _options.ShardBytesPerSecond,
        };
        return new IngestStream(Options.Create(options), _data, _time, _loggers.CreateLogger<IngestStream>());
    }

    private void Save(StreamEntry entry)
    {
        using var connection = OpenCatalog();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO streams (name, shard_count, mode, retention_hours, created, tags) VALUES ($name, $shards, $mode, $retention, $created, $tags)
            ON CONFLICT (name) DO UPDATE SET mode = excluded.mode, retention_hours = excluded.retention_hours, tags = excluded.tags
            """;
        command.Parameters.AddWithValue("$name", entry.Name);
        command.Parameters.AddWithValue("$shards", entry.Stream.Map.OpenShardCount);
        command.Parameters.AddWithValue("$mode", entry.Mode.ToString());
        command.Parameters.AddWithValue("$retention", entry.StoredRetentionHours is { } hours ? hours : DBNull.Value);
        command.Parameters.AddWithValue("$created", entry.CreatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$tags", JsonSerializer.Serialize(entry.Tags));
        command.ExecuteNonQuery();
    }

    private SqliteConnection OpenCatalog() => IngestStream.OpenDurable(_connectionString);

    private void DeleteFiles(string name)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_data.File($"stream-{name}.db{suffix}"));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Name} created with {ShardCount} shards ({Mode})")]
    private static partial void LogCreated(ILogger logger, string name, int shardCount, StreamMode mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Name} deleted with its records")]
    private static partial void LogDeleted(ILogger logger, string name);
}

/// <summary>Creating or growing a stream would take the open shards over <see cref="IngestStreams.MaxOpenShards"/>.</summary>
public sealed class StreamLimitException(int open, int requested)
    : Exception($"This request would exceed the shard limit for the account. Current shard count for the account: {open}. Limit: {IngestStreams.MaxOpenShards}. Number of additional shards that would have resulted from this request: {requested}.")
{
    public int Open { get; } = open;

    public int Requested { get; } = requested;
}
