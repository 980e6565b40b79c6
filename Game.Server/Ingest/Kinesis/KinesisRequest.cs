using System.Runtime.InteropServices;
using System.Text.Json;

namespace Game.Server.Ingest.Kinesis;

/// <summary>
/// Typed access to a Kinesis JSON request. A member of the wrong JSON type is a SerializationException (as
/// Kinesis answers it); a JSON null counts as absent. Constraint violations are collected and reported together
/// as one ValidationException, in Kinesis' wording.
/// </summary>
internal sealed class KinesisRequest
{
    private readonly JsonElement _root;
    private readonly List<string> _errors = [];

    public KinesisRequest(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw KinesisException.Serialization("The request body must be a JSON object.");
        }

        RefuseLoneSurrogates(root, "request");
        _root = root;
    }

    public JsonElement Root => _root;

    /// <summary>The operation the request is for (messages name it).</summary>
    public string Operation { get; init; } = "";

    /// <summary>The region the request was signed for (ARNs carry it).</summary>
    public string Region { get; init; } = "us-east-1";

    public string? String(string name) => String(_root, name);

    public int? Int(string name) => Int(_root, name);

    /// <summary>A timestamp: epoch seconds, or an ISO-8601 string as some SDKs send it.</summary>
    public double? Number(string name) => Number(_root, name);

    public JsonElement? Array(string name)
    {
        if (!TryGet(_root, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Array ? value : throw KinesisException.Serialization($"'{name}' must be a list.");
    }

    /// <summary>A structure member (a JSON object); anything else is a SerializationException.</summary>
    public JsonElement? Object(string name) => Object(_root, name);

    public static JsonElement? Object(JsonElement parent, string name)
    {
        if (!TryGet(parent, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Object ? value : throw KinesisException.Serialization($"'{name}' must be a structure.");
    }

    /// <summary>A map of strings to strings (tags), in the request's order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? StringMap(string name)
    {
        if (Object(name) is not { } map)
        {
            return null;
        }

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var property in map.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw KinesisException.Serialization($"Each value of '{name}' must be a string.");
            }

            pairs.Add(new(property.Name, ReadString(property.Value, name)));
        }

        return pairs;
    }

    /// <summary>A list of strings.</summary>
    public IReadOnlyList<string>? StringList(string name)
    {
        if (Array(name) is not { } list)
        {
            return null;
        }

        return list.EnumerateArray()
            .Select(item => item.ValueKind == JsonValueKind.String ? ReadString(item, name) : throw KinesisException.Serialization($"Each of '{name}' must be a string."))
            .ToList();
    }

    public bool? Bool(string name)
    {
        if (!TryGet(_root, name, out var value))
        {
            return null;
        }

        return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw KinesisException.Serialization($"'{name}' must be a boolean.");
    }

    /// <summary>A timestamp member of a structure: epoch seconds, or an ISO-8601 string.</summary>
    public static double? Number(JsonElement parent, string name)
    {
        if (!TryGet(parent, name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(ReadString(value, name), System.Globalization.CultureInfo.InvariantCulture, out var time))
        {
            return time.ToUnixTimeMilliseconds() / 1000.0;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number)
            ? number
            : throw KinesisException.Serialization($"'{name}' must be a number (epoch seconds).");
    }

    public static string? String(JsonElement parent, string name)
    {
        if (!TryGet(parent, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? ReadString(value, name) : throw KinesisException.Serialization($"'{name}' must be a string.");
    }

    /// <summary>
    /// JSON may escape a lone surrogate (<c>"\ud800"</c>) in a name or a value: no string .NET (or Kinesis) can hold,
    /// and reading it (even to compare a name) throws. One pass up front makes it a SerializationException; only
    /// escaped strings can hold one (raw bytes that encode a surrogate are already invalid UTF-8 to the parser).
    /// Names are short and all read; a name that cannot be read has no member name to report.
    /// </summary>
    private static void RefuseLoneSurrogates(JsonElement element, string name)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    try
                    {
                        _ = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        throw KinesisException.Serialization("A member name is not a valid string: it holds an unpaired UTF-16 surrogate.");
                    }

                    RefuseLoneSurrogates(property.Value, property.Name);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    RefuseLoneSurrogates(item, name);
                }

                break;
            // Values may be large (a record's data): only one with a \u escape is read.
            case JsonValueKind.String when JsonMarshal.GetRawUtf8Value(element).IndexOf("\\u"u8) >= 0:
                _ = ReadString(element, name);
                break;
        }
    }

    /// <summary>
    /// JSON may escape a lone surrogate (<c>"\ud800"</c>), which is no string .NET (or Kinesis) can hold; reading
    /// it throws, and the request is malformed rather than the server broken.
    /// </summary>
    private static string ReadString(JsonElement value, string name)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw KinesisException.Serialization($"'{name}' is not a valid string: it holds an unpaired UTF-16 surrogate.");
        }
    }

    public static int? Int(JsonElement parent, string name)
    {
        if (!TryGet(parent, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw KinesisException.Serialization($"'{name}' must be an integer.");
    }

    /// <summary>Base64 data; bad base64 is a SerializationException, as for any value that cannot be read.</summary>
    public static byte[]? Blob(JsonElement parent, string name)
    {
        var text = String(parent, name);
        if (text is null)
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw KinesisException.Serialization($"'{name}' must be base64.");
        }
    }

    public void Required(object? value, string member)
    {
        if (value is null)
        {
            Fail("null", member, "Member must not be null");
        }
    }

    public void Length(string? value, string member, int min, int max)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length < min)
        {
            Fail(value, member, $"Member must have length greater than or equal to {min}");
        }
        else if (value.Length > max)
        {
            Fail(value, member, $"Member must have length less than or equal to {max}");
        }
    }

    public void Range(long? value, string member, long min, long max)
    {
        if (value < min)
        {
            Fail(value.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), member, $"Member must have value greater than or equal to {min}");
        }
        else if (value > max)
        {
            Fail(value.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), member, $"Member must have value less than or equal to {max}");
        }
    }

    public void Pattern(string? value, string member, Func<string, bool> matches, string pattern)
    {
        if (value is not null && !matches(value))
        {
            Fail(value, member, $"Member must satisfy regular expression pattern: {pattern}");
        }
    }

    public void Fail(string value, string member, string constraint)
    {
        // Kinesis echoes the value; a long one (a record's data) would swamp the message.
        var shown = value.Length > 64 ? value[..64] + "..." : value;
        _errors.Add($"Value '{shown}' at '{member}' failed to satisfy constraint: {constraint}");
    }

    /// <summary>Throws the collected ValidationException, if any constraint failed.</summary>
    public void ThrowIfInvalid()
    {
        if (_errors.Count > 0)
        {
            throw KinesisException.Validation(_errors);
        }
    }

    private static bool TryGet(JsonElement parent, string name, out JsonElement value) =>
        parent.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;
}
