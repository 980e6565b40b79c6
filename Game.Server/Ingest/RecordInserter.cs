using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Game.Server.Ingest;

/// <summary>
/// Writes the stream's records into its <c>records</c> table: rows are buffered and written by <c>INSERT</c>s of a
/// few fixed row counts (largest first, down to 1), each prepared once and bound by index through SQLite's own API.
/// The rows and their values are exactly those of Microsoft.Data.Sqlite's one <c>INSERT</c> per record (text keys,
/// blob data); what falls is the work per record around SQLite: parameter names looked up, values boxed, a data
/// reader per execution. The writer uses one row per statement (<see cref="IngestStream"/>'s <c>RowsPerInsert</c>:
/// multi-row statements measured no cheaper); the sizes stay a parameter so the benchmark can keep comparing.
/// </summary>
/// <remarks>
/// It writes inside whatever transaction the connection has open (the writer's group commit): nothing here commits.
/// After an exception the buffered rows are dropped (the caller rolls the transaction back and refuses the group), so
/// none of them reaches the next group.
/// </remarks>
public sealed class RecordInserter : IDisposable
{
    /// <summary>SQLite's limit of parameters in one statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32).</summary>
    public const int MaxParameters = 32_766;

    private const int Columns = 5;

    private readonly sqlite3 _db;
    private readonly int[] _rowsPerStatement;
    private readonly sqlite3_stmt[] _statements;
    private readonly Row[] _rows;
    private byte[] _keyBytes = new byte[256];
    private int _count;

    /// <param name="connection">An open connection to a stream's database.</param>
    /// <param name="rowsPerStatement">The statement sizes, largest first, ending with 1; null: 64, 16, 4, 1.</param>
    public RecordInserter(SqliteConnection connection, IReadOnlyList<int>? rowsPerStatement = null)
    {
        _rowsPerStatement = [.. rowsPerStatement ?? [64, 16, 4, 1]];
        if (_rowsPerStatement is [] || _rowsPerStatement[^1] != 1 || _rowsPerStatement[0] * Columns > MaxParameters
            || _rowsPerStatement.Zip(_rowsPerStatement.Skip(1)).Any(pair => pair.First <= pair.Second))
        {
            throw new ArgumentException($"Statement sizes run from the largest down to 1, with at most {MaxParameters / Columns} rows.", nameof(rowsPerStatement));
        }

        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        _statements = new sqlite3_stmt[_rowsPerStatement.Length];
        try
        {
            for (var i = 0; i < _statements.Length; i++)
            {
                var sql = "INSERT INTO records (shard, position, arrival, partition_key, data) VALUES "
                    + string.Join(", ", Enumerable.Repeat("(?, ?, ?, ?, ?)", _rowsPerStatement[i]));
                Check(raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statements[i]));
            }
        }
        catch
        {
            Dispose();
            throw;
        }

        _rows = new Row[_rowsPerStatement[0]];
    }

    /// <summary>Buffers one record; writes the buffer when it fills the largest statement.</summary>
    public void Add(int shard, long position, long arrival, string partitionKey, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        _rows[_count++] = new Row(shard, position, arrival, partitionKey, data);
        if (_count == _rows.Length)
        {
            Write(0, 0, _count);
        }
    }

    /// <summary>Writes what is buffered, by the largest statements that fit.</summary>
    public void Flush()
    {
        var offset = 0;
        for (var size = 0; size < _rowsPerStatement.Length && offset < _count; size++)
        {
            while (_count - offset >= _rowsPerStatement[size])
            {
                Write(size, offset, _rowsPerStatement[size]);
                offset += _rowsPerStatement[size];
            }
        }
    }

    /// <summary>Forgets what is buffered (after a failed group).</summary>
    public void Clear()
    {
        Array.Clear(_rows, 0, _count);
        _count = 0;
    }

    public void Dispose()
    {
        foreach (var statement in _statements)
        {
            statement?.Dispose();
        }
    }

    private void Write(int size, int offset, int rows)
    {
        var statement = _statements[size];
        try
        {
            for (var r = 0; r < rows; r++)
            {
                var row = _rows[offset + r];
                var first = (r * Columns) + 1;
                Check(raw.sqlite3_bind_int64(statement, first, row.Shard));
                Check(raw.sqlite3_bind_int64(statement, first + 1, row.Position));
                Check(raw.sqlite3_bind_int64(statement, first + 2, row.Arrival));
                Check(BindText(statement, first + 3, row.PartitionKey));
                Check(BindBlob(statement, first + 4, row.Data.Span));
            }

            var rc = raw.sqlite3_step(statement);
            if (rc != raw.SQLITE_DONE)
            {
                raw.sqlite3_reset(statement);
                Check(rc);
            }

            Check(raw.sqlite3_reset(statement));
        }
        catch
        {
            Clear();
            throw;
        }

        if (offset + rows == _count)
        {
            Clear();
        }
    }

    /// <summary>The key as UTF-8 text, encoded as Microsoft.Data.Sqlite encodes a string (invalid UTF-16 becomes U+FFFD).</summary>
    private int BindText(sqlite3_stmt statement, int index, string value)
    {
        if (value.Length == 0)
        {
            // An empty span has no address, and SQLite would bind NULL for it: bind the empty string itself.
            return raw.sqlite3_bind_text(statement, index, "");
        }

        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_keyBytes.Length < length)
        {
            _keyBytes = new byte[Math.Max(length, _keyBytes.Length * 2)];
        }

        return raw.sqlite3_bind_text(statement, index, _keyBytes.AsSpan(0, Encoding.UTF8.GetBytes(value, _keyBytes)));
    }

    private static int BindBlob(sqlite3_stmt statement, int index, ReadOnlySpan<byte> value) =>
        // An empty blob is still a blob, not NULL (the column is NOT NULL, and Microsoft.Data.Sqlite binds it so).
        value.IsEmpty ? raw.sqlite3_bind_zeroblob(statement, index, 0) : raw.sqlite3_bind_blob(statement, index, value);

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }

    private readonly record struct Row(int Shard, long Position, long Arrival, string PartitionKey, ReadOnlyMemory<byte> Data);
}
