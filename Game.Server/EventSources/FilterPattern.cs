using System.Text.Json;

namespace Game.Server.EventSources;

/// <summary>
/// Lambda's event filtering syntax (FilterCriteria), applied to a record shaped as
/// <c>{"partitionKey", "sequenceNumber", "data": &lt;the record's data as JSON&gt;}</c>. Fields of a pattern are
/// ANDed; the values listed for a field are ORed; a record matches a set of patterns when any pattern matches.
/// Supported matchers: exact values (string, number, boolean, null), <c>prefix</c>, <c>suffix</c>,
/// <c>equals-ignore-case</c>, <c>anything-but</c> (a value, a list, or a prefix), <c>numeric</c>
/// (<c>=, &lt;, &lt;=, &gt;, &gt;=</c> pairs), and <c>exists</c>.
/// </summary>
public sealed class FilterPattern
{
    private readonly JsonElement _pattern;

    private FilterPattern(JsonElement pattern) => _pattern = pattern;

    /// <summary>Parses a pattern; throws <see cref="FormatException"/> with the reason when it is not one.</summary>
    public static FilterPattern Parse(string pattern)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(pattern).RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new FormatException($"A filter pattern must be JSON: {ex.Message}", ex);
        }

        try
        {
            Validate(root, "$");
        }
        catch (InvalidOperationException ex)
        {
            // System.Text.Json reads escaped strings lazily: an unpaired surrogate (\ud800) surfaces only here.
            throw new FormatException($"A filter pattern must be valid JSON text: {ex.Message}", ex);
        }

        return new FilterPattern(root);
    }

    public bool Matches(JsonElement record) => MatchObject(_pattern, record);

    private static void Validate(JsonElement pattern, string path)
    {
        if (pattern.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{path}: a filter pattern is a JSON object of fields.");
        }

        foreach (var field in pattern.EnumerateObject())
        {
            switch (field.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    Validate(field.Value, $"{path}.{field.Name}");
                    break;
                case JsonValueKind.Array:
                    foreach (var matcher in field.Value.EnumerateArray())
                    {
                        ValidateMatcher(matcher, $"{path}.{field.Name}");
                    }

                    break;
                default:
                    throw new FormatException($"{path}.{field.Name}: the values to match must be in an array.");
            }
        }
    }

    /// <summary>
    /// Refuses at parse time every matcher that matching could not evaluate, so <see cref="Matches"/> never throws on
    /// a pattern that parsed (both were found by the filter-pattern fuzz target).
    /// </summary>
    private static void ValidateMatcher(JsonElement matcher, string path)
    {
        switch (matcher.ValueKind)
        {
            case JsonValueKind.String:
                _ = matcher.GetString();
                return;
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null:
                return;
            case JsonValueKind.Object when matcher.EnumerateObject().Count() == 1:
                var op = matcher.EnumerateObject().First();
                if (op.Name is not ("prefix" or "suffix" or "equals-ignore-case" or "anything-but" or "numeric" or "exists"))
                {
                    throw new FormatException($"{path}: unknown matcher {matcher.GetRawText()}.");
                }

                if (!IsValidOperator(op.Name, op.Value))
                {
                    throw new FormatException($"{path}: {op.Name} does not take {op.Value.GetRawText()}.");
                }

                return;
            default:
                throw new FormatException($"{path}: unknown matcher {matcher.GetRawText()}.");
        }
    }

    private static bool IsValidOperator(string name, JsonElement operand) => name switch
    {
        "prefix" or "suffix" or "equals-ignore-case" => IsString(operand),
        "exists" => operand.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "numeric" => IsNumericConditions(operand),
        "anything-but" => operand.ValueKind switch
        {
            JsonValueKind.Array => operand.EnumerateArray().All(o => o.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null || IsString(o)),
            JsonValueKind.Object => operand.EnumerateObject().Count() == 1
                && operand.EnumerateObject().First() is var inner
                && inner.Name is "prefix" or "suffix" or "equals-ignore-case"
                && IsString(inner.Value),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => true,
            _ => IsString(operand),
        },
        _ => false,
    };

    private static bool IsString(JsonElement value) => value.ValueKind == JsonValueKind.String && value.GetString() is not null;

    /// <summary>Pairs of a comparison and a finite number: <c>["&gt;", 0, "&lt;=", 100]</c>.</summary>
    private static bool IsNumericConditions(JsonElement conditions)
    {
        if (conditions.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var items = conditions.EnumerateArray().ToArray();
        if (items.Length is 0 || items.Length % 2 != 0)
        {
            return false;
        }

        for (var i = 0; i < items.Length; i += 2)
        {
            if (!(items[i].ValueKind == JsonValueKind.String && items[i].GetString() is "=" or "<" or "<=" or ">" or ">=")
                || items[i + 1].ValueKind != JsonValueKind.Number
                || !double.IsFinite(items[i + 1].GetDouble()))
            {
                return false;
            }
        }

        return true;
    }

    private static bool MatchObject(JsonElement pattern, JsonElement value)
    {
        foreach (var field in pattern.EnumerateObject())
        {
            JsonElement? fieldValue = value.ValueKind == JsonValueKind.Object && value.TryGetProperty(field.Name, out var found) ? found : null;
            var matched = field.Value.ValueKind == JsonValueKind.Object
                ? fieldValue is { } nested && MatchObject(field.Value, nested)
                : field.Value.EnumerateArray().Any(matcher => MatchField(matcher, fieldValue));
            if (!matched)
            {
                return false;
            }
        }

        return true;
    }

    private static bool MatchField(JsonElement matcher, JsonElement? value)
    {
        if (matcher.ValueKind == JsonValueKind.Object)
        {
            var op = matcher.EnumerateObject().First();
            if (op.Name == "exists")
            {
                return op.Value.ValueKind == JsonValueKind.True == value.HasValue;
            }

            return value is { } present && Candidates(present).Any(v => MatchOperator(op.Name, op.Value, v));
        }

        return value is { } actual && Candidates(actual).Any(v => JsonEquals(matcher, v));
    }

    /// <summary>An array field matches when any of its elements does.</summary>
    private static IEnumerable<JsonElement> Candidates(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [value];

    private static bool MatchOperator(string op, JsonElement operand, JsonElement value) => op switch
    {
        "prefix" => value.ValueKind == JsonValueKind.String && value.GetString()!.StartsWith(operand.GetString() ?? "", StringComparison.Ordinal),
        "suffix" => value.ValueKind == JsonValueKind.String && value.GetString()!.EndsWith(operand.GetString() ?? "", StringComparison.Ordinal),
        "equals-ignore-case" => value.ValueKind == JsonValueKind.String && string.Equals(value.GetString(), operand.GetString(), StringComparison.OrdinalIgnoreCase),
        "anything-but" => operand.ValueKind switch
        {
            JsonValueKind.Array => !operand.EnumerateArray().Any(o => JsonEquals(o, value)),
            JsonValueKind.Object => !operand.EnumerateObject().All(o => MatchOperator(o.Name, o.Value, value)),
            _ => !JsonEquals(operand, value),
        },
        "numeric" => value.ValueKind == JsonValueKind.Number && MatchNumeric(operand, value.GetDouble()),
        _ => false,
    };

    private static bool MatchNumeric(JsonElement conditions, double value)
    {
        var items = conditions.EnumerateArray().ToArray();
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            var bound = items[i + 1].GetDouble();
            var ok = items[i].GetString() switch
            {
                "=" => value == bound,
                "<" => value < bound,
                "<=" => value <= bound,
                ">" => value > bound,
                ">=" => value >= bound,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return items.Length >= 2;
    }

    private static bool JsonEquals(JsonElement expected, JsonElement actual) => expected.ValueKind switch
    {
        JsonValueKind.String => actual.ValueKind == JsonValueKind.String && actual.GetString() == expected.GetString(),
        JsonValueKind.Number => actual.ValueKind == JsonValueKind.Number && actual.GetDouble() == expected.GetDouble(),
        JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => actual.ValueKind == expected.ValueKind,
        _ => false,
    };
}
