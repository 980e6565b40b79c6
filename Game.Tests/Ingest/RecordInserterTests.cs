using System.Text;
using Game.Server.Ingest;
using Microsoft.Data.Sqlite;

namespace Game.Tests.Ingest;

/// <summary>
/// The stream's multi-row writer against the statement per record it replaced: the same rows with the same values
/// and storage classes, whatever the statement sizes; a failure drops what was buffered.
/// </summary>
public sealed class RecordInserterTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "game-inserter-" + Guid.NewGuid().ToString("N")[..12]);

    public RecordInserterTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private sealed record Row(int Shard, long Position, long Arrival, string Key, ReadOnlyMemory<byte> Data);

    private SqliteConnection Database(string name)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, name)}");
        connection.Open();
        using var command = connection.CreateCommand();
        // The stream's schema (IngestStream.Recover).
        command.CommandText = """
            CREATE TABLE records (
                shard INTEGER NOT NULL,
                position INTEGER NOT NULL,
                arrival INTEGER NOT NULL,
                partition_key TEXT NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (shard, position)) WITHOUT ROWID;
            """;
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>Rows of every kind: empty and non-ASCII keys, lone surrogates, a long key, empty data, a slice of a larger array.</summary>
    private static List<Row> Rows(int count)
    {
        var random = new Random(count);
        var shared = new byte[4096];
        random.NextBytes(shared);
        string[] keys = ["player-1", "", "é", "\uD800x", "😀", new('k', 300)];
        var positions = new long[4];
        return Enumerable.Range(0, count).Select(i =>
        {
            var shard = random.Next(4);
            ReadOnlyMemory<byte> data = (i % 5) switch
            {
                0 => Array.Empty<byte>(),
                1 => shared.AsMemory(random.Next(100), random.Next(1, 200)),
                _ => Encoding.UTF8.GetBytes($"record-{i}"),
            };
            return new Row(shard, ++positions[shard], 1_764_662_400_000 + (i / 10), keys[i % keys.Length] + i, data);
        }).ToList();
    }

    /// <summary>What IngestStream's writer did before: one INSERT per record, five named parameters.</summary>
    private static void InsertOneByOne(SqliteConnection connection, IEnumerable<Row> rows)
    {
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO records (shard, position, arrival, partition_key, data) VALUES ($shard, $position, $arrival, $key, $data)";
        var parameters = new[] { ("$shard", SqliteType.Integer), ("$position", SqliteType.Integer), ("$arrival", SqliteType.Integer), ("$key", SqliteType.Text), ("$data", SqliteType.Blob) }
            .Select(p => insert.Parameters.Add(p.Item1, p.Item2)).ToArray();
        foreach (var row in rows)
        {
            parameters[0].Value = row.Shard;
            parameters[1].Value = row.Position;
            parameters[2].Value = row.Arrival;
            parameters[3].Value = row.Key;
            parameters[4].Value = row.Data.ToArray();
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static void InsertMultiRow(SqliteConnection connection, IEnumerable<Row> rows, int[]? sizes)
    {
        using var transaction = connection.BeginTransaction();
        using var inserter = new RecordInserter(connection, sizes);
        foreach (var row in rows)
        {
            inserter.Add(row.Shard, row.Position, row.Arrival, row.Key, row.Data);
        }

        inserter.Flush();
        transaction.Commit();
    }

    /// <summary>Every column with its storage class, in key order, as text.</summary>
    private static List<string> Contents(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT shard, typeof(shard), position, typeof(position), arrival, typeof(arrival),
                   hex(partition_key), typeof(partition_key), hex(data), typeof(data)
            FROM records ORDER BY shard, position
            """;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i).ToString())));
        }

        return rows;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(150)]
    [InlineData(1_000)]
    public void Flush_DefaultSizes_StoresExactlyWhatOneInsertPerRecordStored(int count)
    {
        var rows = Rows(count);
        using var oneByOne = Database("one.db");
        using var multiRow = Database("multi.db");

        InsertOneByOne(oneByOne, rows);
        InsertMultiRow(multiRow, rows, sizes: null);

        var expected = Contents(oneByOne);
        Assert.Equal(count, expected.Count);
        Assert.Equal(expected, Contents(multiRow));
    }

    [Theory]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 256, 1 })]
    [InlineData(new[] { 6_553, 100, 7, 1 })]
    public void Flush_OtherSizes_StoresTheSameRows(int[] sizes)
    {
        var rows = Rows(7_000);
        using var oneByOne = Database("one.db");
        using var multiRow = Database("multi.db");

        InsertOneByOne(oneByOne, rows);
        InsertMultiRow(multiRow, rows, sizes);

        Assert.Equal(Contents(oneByOne), Contents(multiRow));
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 64, 16 })]
    [InlineData(new[] { 4, 16, 1 })]
    [InlineData(new[] { 6_554, 1 })]
    public void Constructor_SizesNotDescendingToOneOrOverTheParameterLimit_Refused(int[] sizes)
    {
        using var connection = Database("bad.db");

        Assert.Throws<ArgumentException>(() => new RecordInserter(connection, sizes));
    }

    [Fact]
    public void Add_FailureInTheMiddleOfAGroup_DropsTheBufferedRowsSoTheNextGroupHoldsOnlyItsOwn()
    {
        using var connection = Database("fail.db");
        using var inserter = new RecordInserter(connection);
        var rows = Rows(100);

        using (var transaction = connection.BeginTransaction())
        {
            // Row 70 has no key: the first 64 rows were already written by one statement, 6 more are buffered.
            Assert.Throws<ArgumentNullException>(() =>
            {
                foreach (var (row, i) in rows.Select((r, i) => (r, i)))
                {
                    inserter.Add(row.Shard, row.Position, row.Arrival, i == 70 ? null! : row.Key, row.Data);
                }
            });
            inserter.Clear();
            transaction.Rollback();
        }

        using (var transaction = connection.BeginTransaction())
        {
            inserter.Add(9, 1, 5, "after", "x"u8.ToArray());
            inserter.Flush();
            transaction.Commit();
        }

        Assert.Equal(["9|integer|1|integer|5|integer|6166746572|text|78|blob"], Contents(connection));
    }

    [Fact]
    public void Flush_DuplicatePosition_ThrowsSqliteExceptionAndKeepsNothingBuffered()
    {
        using var connection = Database("duplicate.db");
        using var inserter = new RecordInserter(connection);
        using var transaction = connection.BeginTransaction();
        inserter.Add(0, 1, 5, "a", "x"u8.ToArray());
        inserter.Add(0, 1, 5, "b", "y"u8.ToArray());

        var error = Assert.Throws<SqliteException>(inserter.Flush);
        inserter.Add(0, 2, 5, "c", "z"u8.ToArray());
        inserter.Flush();

        Assert.Equal(19, error.SqliteErrorCode); // SQLITE_CONSTRAINT
        // "a" was written before "b" failed (the caller rolls its transaction back); "b" is not written again.
        Assert.Equal(["0|integer|1|integer|5|integer|61|text|78|blob", "0|integer|2|integer|5|integer|63|text|7A|blob"], Contents(connection));
    }
}
