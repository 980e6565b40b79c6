using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace Game.Server.Storage.DynamoDb;

/// <summary>How the DynamoDB store writes strings, numbers and times as attribute values.</summary>
internal static class DynamoDbAttributes
{
    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue N(double value) =>
        double.IsFinite(value)
            ? new() { N = value.ToString("R", CultureInfo.InvariantCulture) }
            : throw new ArgumentOutOfRangeException(nameof(value), value, "DynamoDB numbers must be finite.");

    public static long Long(AttributeValue value) => long.Parse(value.N, CultureInfo.InvariantCulture);

    public static int Int(AttributeValue value) => int.Parse(value.N, CultureInfo.InvariantCulture);

    public static double Double(AttributeValue value) => double.Parse(value.N, CultureInfo.InvariantCulture);

    /// <summary>ISO-8601 round-trip form: keeps every tick and the offset, and reads well in the console.</summary>
    public static string FormatTime(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None);
}
