using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Game.Tests.Ingest.KinesisStream;

namespace Game.Tests.KinesisProvider;

/// <summary>
/// Sits in the server's Kinesis client and tells, per shard, when its readers opened it (GetShardIterator) and when a
/// GetRecords answered SHARD_END (no NextShardIterator): iterators are opaque, so it follows each one from the
/// GetShardIterator that issued it through every NextShardIterator. It can also hold a shard's reads back for a
/// while (a slow reader), so that a child shard that does not wait for its parent would be read first. Each open's
/// position (iterator type and sequence number) is kept too, to show where a reader resumed.
/// </summary>
public sealed class ShardCallLog : DelegatingHandler
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<string, string> _shardOfIterator = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(TimeSpan At, string Event, string ShardId)> _events = new();
    private readonly ConcurrentDictionary<string, TimeSpan> _heldUntil = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ShardOpen> _opens = new();

    /// <summary>Time on this log's clock, which every event's <c>At</c> is read from.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Every GetShardIterator ("open") and SHARD_END answer ("end"), in the order they happened.</summary>
    public IReadOnlyList<(TimeSpan At, string Event, string ShardId)> Events => _events.ToList();

    /// <summary>Every GetShardIterator that succeeded, with the position it asked for, in the order they happened.</summary>
    public IReadOnlyList<ShardOpen> Opens => _opens.ToList();

    /// <summary>When the shard was first opened; null when never.</summary>
    public TimeSpan? FirstOpen(string shardId) => _events.Where(e => e.Event == "open" && e.ShardId == shardId).Select(e => (TimeSpan?)e.At).FirstOrDefault();

    /// <summary>When a GetRecords on the shard first answered SHARD_END; null when never.</summary>
    public TimeSpan? End(string shardId) => _events.Where(e => e.Event == "end" && e.ShardId == shardId).Select(e => (TimeSpan?)e.At).FirstOrDefault();

    /// <summary>GetRecords calls on <paramref name="shardId"/> wait until <paramref name="duration"/> from now before they go out.</summary>
    public void HoldReads(string shardId, TimeSpan duration) => _heldUntil[shardId] = _clock.Elapsed + duration;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var operation = CountingHandler.Operation(request);
        if (operation is not ("GetShardIterator" or "GetRecords"))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        using var sent = JsonDocument.Parse(await request.Content!.ReadAsByteArrayAsync(cancellationToken));
        if (operation == "GetRecords"
            && _shardOfIterator.TryGetValue(sent.RootElement.GetProperty("ShardIterator").GetString()!, out var read)
            && _heldUntil.TryGetValue(read, out var until)
            && until > _clock.Elapsed)
        {
            await Task.Delay(until - _clock.Elapsed, cancellationToken);
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return response;
        }

        // Read the answer and put it back for the client.
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var content = new ByteArrayContent(body);
        foreach (var header in response.Content.Headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = content;
        using var answer = JsonDocument.Parse(body);
        if (operation == "GetShardIterator")
        {
            var shardId = sent.RootElement.GetProperty("ShardId").GetString()!;
            _shardOfIterator[answer.RootElement.GetProperty("ShardIterator").GetString()!] = shardId;
            _events.Enqueue((_clock.Elapsed, "open", shardId));
            _opens.Enqueue(new ShardOpen(
                _clock.Elapsed,
                shardId,
                sent.RootElement.GetProperty("ShardIteratorType").GetString()!,
                sent.RootElement.TryGetProperty("StartingSequenceNumber", out var after) ? after.GetString() : null));
        }
        else if (_shardOfIterator.TryGetValue(sent.RootElement.GetProperty("ShardIterator").GetString()!, out var shardId))
        {
            if (answer.RootElement.TryGetProperty("NextShardIterator", out var next) && next.ValueKind == JsonValueKind.String)
            {
                _shardOfIterator[next.GetString()!] = shardId;
            }
            else
            {
                _events.Enqueue((_clock.Elapsed, "end", shardId));
            }
        }

        return response;
    }
}

/// <summary>A reader opened <paramref name="ShardId"/> at <paramref name="At"/> (the log's clock) with this iterator type, after <paramref name="StartingSequenceNumber"/> when it is AFTER_SEQUENCE_NUMBER.</summary>
public sealed record ShardOpen(TimeSpan At, string ShardId, string IteratorType, string? StartingSequenceNumber);
