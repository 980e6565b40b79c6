using System.Globalization;

namespace Game.Server.Ingest;

/// <summary>
/// Sequence numbers as Kinesis forms them: decimal strings, unique across the stream and increasing within a
/// shard. Ours are <c>49</c>, the shard (6 digits) and the shard's position (20 digits): always 28 digits, so
/// within a shard the string order is the numeric order. Compare foreign ones with <see cref="Compare"/>.
/// </summary>
public static class SequenceNumber
{
    private const int Length = 28;

    public static string Format(int shard, long position)
    {
        if ((uint)shard > 999_999 || position < 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"49{shard:D6}{position:D20}");
        }

        // Every appended record gets one: digits written straight into the string, no format parsing.
        return string.Create(Length, (shard, position), static (chars, value) =>
        {
            chars[0] = '4';
            chars[1] = '9';
            WriteDigits(chars.Slice(2, 6), (ulong)value.shard);
            WriteDigits(chars[8..], (ulong)value.position);
        });
    }

    private static void WriteDigits(Span<char> chars, ulong value)
    {
        for (var i = chars.Length - 1; i >= 0; i--)
        {
            (value, var digit) = Math.DivRem(value, 10);
            chars[i] = (char)('0' + digit);
        }
    }

    /// <summary>Reads one of our sequence numbers; false for any other string, including well-formed foreign ones.</summary>
    public static bool TryParse(string? value, out int shard, out long position)
    {
        shard = 0;
        position = 0;
        return value is { Length: Length }
            && value.StartsWith("49", StringComparison.Ordinal)
            && int.TryParse(value.AsSpan(2, 6), NumberStyles.None, CultureInfo.InvariantCulture, out shard)
            && long.TryParse(value.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out position);
    }

    /// <summary>Kinesis' syntax for a sequence number: <c>0|([1-9]\d{0,128})</c>.</summary>
    public static bool IsWellFormed(string? value) =>
        value is { Length: > 0 and <= 129 }
        && value.All(char.IsAsciiDigit)
        && (value.Length == 1 || value[0] != '0');

    /// <summary>Numeric order of two well-formed sequence numbers: by length, then lexically.</summary>
    public static int Compare(string a, string b) =>
        a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
}
