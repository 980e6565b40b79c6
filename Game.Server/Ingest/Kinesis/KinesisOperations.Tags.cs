using System.Text.Json;

namespace Game.Server.Ingest.Kinesis;

/// <summary>AddTagsToStream, ListTagsForStream, RemoveTagsFromStream, with Kinesis' limits.</summary>
public sealed partial class KinesisOperations
{
    /// <summary>Kinesis: at most 50 tags on a stream; AddTagsToStream takes at most 10 per call.</summary>
    public const int MaxTagsPerStream = 50;

    public const int MaxTagsPerAddCall = 10;

    private void AddTags(KinesisRequest request)
    {
        var tags = request.StringMap("Tags");
        request.Required(tags, "tags");
        if (tags is not null)
        {
            ValidateTags(request, tags, "tags", MaxTagsPerAddCall);
        }

        var stream = ResolveStream(request);
        RefuseTagCharacters(tags!.SelectMany(t => new[] { t.Key, t.Value }), $"Failed to add tags to stream {stream.Name} under account {AccountId}");
        if (!_streams.AddTags(stream, tags!.ToDictionary(t => t.Key, t => t.Value), MaxTagsPerStream))
        {
            throw KinesisException.InvalidArgument(
                $"Failed to add tags to stream {stream.Name} under account {AccountId} because a given stream cannot have more than {MaxTagsPerStream} tags associated with it.");
        }
    }

    private void ListTags(KinesisRequest request, Utf8JsonWriter writer)
    {
        var limit = request.Int("Limit");
        var exclusiveStart = request.String("ExclusiveStartTagKey");
        request.Range(limit, "limit", 1, MaxTagsPerStream);
        request.Length(exclusiveStart, "exclusiveStartTagKey", 1, 128);
        var stream = ResolveStream(request);

        var tags = _streams.TagsOf(stream).Where(t => exclusiveStart is null || string.CompareOrdinal(t.Key, exclusiveStart) > 0).ToList();
        var page = tags.Take(limit ?? MaxTagsPerStream).ToList();
        writer.WriteStartArray("Tags");
        foreach (var (key, value) in page)
        {
            writer.WriteStartObject();
            writer.WriteString("Key", key);
            writer.WriteString("Value", value);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteBoolean("HasMoreTags", page.Count < tags.Count);
    }

    private void RemoveTags(KinesisRequest request)
    {
        var keys = request.StringList("TagKeys");
        request.Required(keys, "tagKeys");
        if (keys is not null)
        {
            if (keys.Count is < 1 or > MaxTagsPerStream)
            {
                request.Fail($"[{keys.Count} keys]", "tagKeys",
                    keys.Count < 1 ? "Member must have length greater than or equal to 1" : $"Member must have length less than or equal to {MaxTagsPerStream}");
            }

            foreach (var key in keys)
            {
                request.Length(key, "tagKeys.member", 1, 128);
            }
        }

        var stream = ResolveStream(request);
        RefuseTagCharacters(keys!, $"Failed to remove tags from stream {stream.Name} under account {AccountId}");
        _streams.RemoveTags(stream, keys!);
    }

    private static void ValidateTags(KinesisRequest request, IReadOnlyList<KeyValuePair<string, string>> tags, string member, int maxEntries)
    {
        if (tags.Count < 1 || tags.Count > maxEntries)
        {
            request.Fail($"[{tags.Count} tags]", member,
                tags.Count < 1 ? "Member must have length greater than or equal to 1" : $"Member must have length less than or equal to {maxEntries}");
        }

        foreach (var (key, value) in tags)
        {
            request.Length(key, member + ".key", 1, 128);
            request.Length(value, member + ".value", 0, 256);
        }
    }

    /// <summary>Tags hold Unicode letters, digits, white space and <c>_ . / = + - @</c>, as Kinesis allows.</summary>
    private static void RefuseTagCharacters(IEnumerable<string> values, string failure)
    {
        if (values.Any(v => v.Any(c => !(char.IsLetterOrDigit(c) || char.IsWhiteSpace(c) || c is '_' or '.' or '/' or '=' or '+' or '-' or '@' or ':'))))
        {
            throw KinesisException.InvalidArgument(
                $"{failure} because some tags contained illegal characters. The allowed characters are Unicode letters, digits, white space, '_', '.', '/', '=', '+', '-', '@', ':'.");
        }
    }
}
