using Microsoft.Data.Sqlite;

namespace Game.Server.Ingest;

/// <summary>
/// A registered stream consumer (enhanced fan-out). <see cref="ArnEpoch"/> is the creation time in the consumer's ARN,
/// whole seconds, unique per stream and name (a consumer registered again under a deregistered one's name gets a
/// new ARN, as on Kinesis).
/// </summary>
public sealed record StreamConsumer(string StreamName, string Name, DateTimeOffset CreatedAt, long ArnEpoch)
{
    /// <summary>When DeregisterStreamConsumer was called; null while registered.</summary>
    public DateTimeOffset? DeregisteredAt { get; init; }
}

/// <summary>The stream consumers: kept beside the streams in <c>streams.db</c>, gone with their stream.</summary>
public sealed partial class IngestStreams
{
    // By stream name, in name order; guarded by _lock. A deregistered consumer stays (DELETING) until purged.
    private readonly Dictionary<string, SortedDictionary<string, StreamConsumer>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Stream, string Name), long> _lastArnEpoch = [];

    /// <summary>A stream's consumers in name order, after dropping those deregistered at or before <paramref name="goneBefore"/>.</summary>
    public IReadOnlyList<StreamConsumer> ConsumersOf(StreamEntry entry, DateTimeOffset goneBefore)
    {
        lock (_lock)
        {
            return Consumers(entry.Name, goneBefore)?.Values.ToList() ?? [];
        }
    }

    /// <summary>
    /// Registers a consumer of a stream that is still in the catalog; null when one of that name exists (in any state)
    /// or the stream is gone. Consumers deregistered before <paramref name="goneBefore"/> no longer count.
    /// </summary>
    /// <exception cref="ConsumerLimitException">The stream has <paramref name="maxConsumers"/> consumers already.</exception>
    public StreamConsumer? RegisterConsumer(StreamEntry entry, string name, int maxConsumers, DateTimeOffset goneBefore)
    {
        lock (_lock)
        {
            var existing = Consumers(entry.Name, goneBefore);
            if (_streams.GetValueOrDefault(entry.Name) != entry || existing?.ContainsKey(name) == true)
            {
                return null;
            }

            if (existing?.Count >= maxConsumers)
            {
                throw new ConsumerLimitException(entry.Name, maxConsumers);
            }

            var createdAt = _time.GetUtcNow();
            var epoch = Math.Max(createdAt.ToUnixTimeSeconds(), _lastArnEpoch.GetValueOrDefault((entry.Name, name)) + 1);
            var consumer = new StreamConsumer(entry.Name, name, createdAt, epoch);
            using (var connection = OpenCatalog())
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "INSERT INTO consumers (stream, name, created, arn_epoch) VALUES ($stream, $name, $created, $epoch)";
                command.Parameters.AddWithValue("$stream", entry.Name);
                command.Parameters.AddWithValue("$name", name);
                command.Parameters.AddWithValue("$created", createdAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$epoch", epoch);
                command.ExecuteNonQuery();
            }

            if (existing is null)
            {
                _consumers[entry.Name] = existing = new SortedDictionary<string, StreamConsumer>(StringComparer.Ordinal);
            }

            existing[name] = consumer;
            _lastArnEpoch[(entry.Name, name)] = epoch;
            return consumer;
        }
    }

    /// <summary>
    /// Starts deregistering a consumer (DELETING until purged by <see cref="ConsumersOf"/>); it is forgotten on disk at
    /// once, so a restart does not bring it back. False when it is not registered (or already deregistering).
    /// </summary>
    public bool DeregisterConsumer(StreamEntry entry, StreamConsumer consumer)
    {
        lock (_lock)
        {
            if (!_consumers.TryGetValue(entry.Name, out var consumers)
                || !consumers.TryGetValue(consumer.Name, out var current)
                || current.ArnEpoch != consumer.ArnEpoch
                || current.DeregisteredAt is not null)
            {
                return false;
            }

            using (var connection = OpenCatalog())
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "DELETE FROM consumers WHERE stream = $stream AND name = $name";
                command.Parameters.AddWithValue("$stream", entry.Name);
                command.Parameters.AddWithValue("$name", consumer.Name);
                command.ExecuteNonQuery();
            }

            consumers[consumer.Name] = current with { DeregisteredAt = _time.GetUtcNow() };
            return true;
        }
    }

    /// <summary>A stream's consumers (null when it never had any), those gone before <paramref name="goneBefore"/> purged; under the lock.</summary>
    private SortedDictionary<string, StreamConsumer>? Consumers(string streamName, DateTimeOffset goneBefore)
    {
        if (!_consumers.TryGetValue(streamName, out var consumers))
        {
            return null;
        }

        foreach (var gone in consumers.Values.Where(c => c.DeregisteredAt <= goneBefore).ToList())
        {
            consumers.Remove(gone.Name);
        }

        return consumers;
    }

    private void LoadConsumers(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS consumers (
                stream TEXT NOT NULL,
                name TEXT NOT NULL,
                created INTEGER NOT NULL,
                arn_epoch INTEGER NOT NULL,
                PRIMARY KEY (stream, name));
            SELECT stream, name, created, arn_epoch FROM consumers;
            """;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var consumer = new StreamConsumer(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetInt64(3));
            if (!_consumers.TryGetValue(consumer.StreamName, out var consumers))
            {
                _consumers[consumer.StreamName] = consumers = new SortedDictionary<string, StreamConsumer>(StringComparer.Ordinal);
            }

            consumers[consumer.Name] = consumer;
            _lastArnEpoch[(consumer.StreamName, consumer.Name)] = consumer.ArnEpoch;
        }
    }

    /// <summary>
    /// Forgets a deleted stream's consumers (their rows go in the same transaction as the stream's). The ARN epochs are
    /// kept, so a consumer of a stream created again under the name never gets an old consumer's ARN.
    /// </summary>
    private void ForgetConsumers(string streamName) => _consumers.Remove(streamName);
}

/// <summary>A stream has <see cref="Max"/> consumers already (Kinesis: 20).</summary>
public sealed class ConsumerLimitException(string streamName, int max)
    : Exception($"Stream {streamName} has reached its limit of {max} registered consumers.")
{
    public int Max { get; } = max;
}
