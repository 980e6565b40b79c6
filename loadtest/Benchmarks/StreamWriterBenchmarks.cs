using BenchmarkDotNet.Attributes;
using Game.Server.Ingest;
using Microsoft.Data.Sqlite;

namespace Game.Benchmarks;

/// <summary>
/// The embedded stream writer's inserts for one group commit of 4,000 records, before and after: one
/// <c>INSERT</c> per record with five named parameters (the writer until issue 19's second round, kept here as the
/// baseline), the same statement bound by index through SQLite's API (the writer now), and multi-row statements. The commit is
/// not made durable (<c>synchronous = OFF</c>): its fsync is the same for all and would hide the statements' cost.
/// One operation = one record.
/// </summary>
[Config(typeof(InProcessShortRunConfig))]
[MemoryDiagnoser]
public class StreamWriterBenchmarks
{
    private const int Records = 4_000;

    private string _directory = "";
    private SqliteConnection _connection = null!;
    private SqliteCommand _insert = null!;
    private SqliteParameter[] _parameters = [];
    private RecordInserter _oneRow = null!;
    private RecordInserter _multiRow = null!;
    private RecordInserter _largerMultiRow = null!;
    private string[] _keys = [];
    private byte[] _data = [];
    private long _position;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "game-bench-writer-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
        _connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "stream.db")}");
        _connection.Open();
        using (var schema = _connection.CreateCommand())
        {
            schema.CommandText = """
                PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;
                CREATE TABLE records (
                    shard INTEGER NOT NULL, position INTEGER NOT NULL, arrival INTEGER NOT NULL,
                    partition_key TEXT NOT NULL, data BLOB NOT NULL,
                    PRIMARY KEY (shard, position)) WITHOUT ROWID;
                CREATE INDEX records_by_arrival ON records (shard, arrival);
                """;
            schema.ExecuteNonQuery();
        }

        _insert = _connection.CreateCommand();
        _insert.CommandText = "INSERT INTO records (shard, position, arrival, partition_key, data) VALUES ($shard, $position, $arrival, $key, $data)";
        _parameters = [
            _insert.Parameters.Add("$shard", SqliteType.Integer), _insert.Parameters.Add("$position", SqliteType.Integer),
            _insert.Parameters.Add("$arrival", SqliteType.Integer), _insert.Parameters.Add("$key", SqliteType.Text),
            _insert.Parameters.Add("$data", SqliteType.Blob)];
        _oneRow = new RecordInserter(_connection, [1]);
        _multiRow = new RecordInserter(_connection, [64, 16, 4, 1]);
        _largerMultiRow = new RecordInserter(_connection, [256, 64, 16, 4, 1]);
        // A phone's record: its player's key and a batch of a few hundred bytes (10 samples).
        _keys = Enumerable.Range(0, 2_000).Select(i => $"player-{Guid.NewGuid():N}"[..20]).ToArray();
        _data = new byte[300];
        Random.Shared.NextBytes(_data);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _oneRow.Dispose();
        _multiRow.Dispose();
        _largerMultiRow.Dispose();
        _insert.Dispose();
        _connection.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The writer before: a statement execution per record, five named parameters set and looked up each time.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Records)]
    public void OneInsertPerRecord()
    {
        using var transaction = _connection.BeginTransaction();
        _insert.Transaction = transaction;
        var arrival = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < Records; i++)
        {
            var position = ++_position;
            _parameters[0].Value = (int)(position & 3);
            _parameters[1].Value = position;
            _parameters[2].Value = arrival;
            _parameters[3].Value = _keys[i % _keys.Length];
            _parameters[4].Value = _data;
            _insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>The writer now: one row per statement, bound by index.</summary>
    [Benchmark(OperationsPerInvoke = Records)]
    public void IndexBoundOneRow() => Insert(_oneRow);

    /// <summary>Statements of 64, 16, 4 and 1 rows (measured no cheaper than one row bound by index).</summary>
    [Benchmark(OperationsPerInvoke = Records)]
    public void MultiRow64() => Insert(_multiRow);

    /// <summary>Statements of 256 rows first.</summary>
    [Benchmark(OperationsPerInvoke = Records)]
    public void MultiRow256() => Insert(_largerMultiRow);

    private void Insert(RecordInserter inserter)
    {
        using var transaction = _connection.BeginTransaction();
        var arrival = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < Records; i++)
        {
            var position = ++_position;
            inserter.Add((int)(position & 3), position, arrival, _keys[i % _keys.Length], _data);
        }

        inserter.Flush();
        transaction.Commit();
    }
}
