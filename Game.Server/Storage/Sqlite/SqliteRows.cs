using System.Text.Json;
using Game.Functions.Contracts;
using Microsoft.Data.Sqlite;

namespace Game.Server.Storage.Sqlite;

/// <summary>How the embedded store's rows hold what the ports carry.</summary>
internal static class SqliteRows
{
    /// <summary>Games and dead letters are kept whole, as JSON in a <c>body</c> column.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Reads <c>score, last_seq, last_sample_time, counted_until</c> starting at column <paramref name="first"/>.</summary>
    public static PlayerLedger ReadLedger(SqliteDataReader reader, int first) => new()
    {
        Score = reader.GetInt64(first),
        LastSeq = reader.GetInt64(first + 1),
        LastSampleTime = ReadTime(reader.GetDouble(first + 2)),
        CountedUntil = reader.GetInt64(first + 3),
    };

    /// <summary>The stored <c>last_sample_time</c> as the ledger holds it (see <see cref="StoredTime"/>).</summary>
    public static double ReadTime(double stored) => stored == double.MinValue ? double.NegativeInfinity : stored;

    /// <summary>SQLite stores no infinities in REAL columns portably; "no sample yet" is kept as double.MinValue.</summary>
    public static double StoredTime(double time) => double.IsNegativeInfinity(time) ? double.MinValue : time;
}
