using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Game.Functions.Contracts;

/// <summary>
/// The key of an <see cref="IFunctionShardGrain"/>: <c>{function}/{shardId}/{lane}</c>, one execution environment
/// per function, shard and lane. The one place that formats and parses it.
/// </summary>
/// <remarks>
/// A lane is the ParallelizationFactor lane number of the shard's records (<c>0</c> without parallelization and
/// for tumbling windows), or a name for an activation of its own that must not interleave with the shard's live
/// batches (<see cref="ReplayLane"/>). No part is empty or holds a <c>/</c>, so parsing a formatted key gives it back.
/// </remarks>
public readonly record struct FunctionShardKey
{
    /// <summary>The lane dead-letter replays run in.</summary>
    public const string ReplayLane = "replay";

    private const char Separator = '/';

    /// <exception cref="ArgumentException">A part is empty or holds a <c>/</c>.</exception>
    public FunctionShardKey(string function, string shardId, string lane)
    {
        Function = Checked(function, nameof(function));
        ShardId = Checked(shardId, nameof(shardId));
        Lane = Checked(lane, nameof(lane));
    }

    /// <summary>The function's name, as registered (<c>Functions:&lt;name&gt;</c>).</summary>
    public string Function { get; }

    /// <summary>The shard, in Kinesis' form (<c>shardId-000000000000</c>).</summary>
    public string ShardId { get; }

    /// <summary>The lane number, or a named lane such as <see cref="ReplayLane"/>.</summary>
    public string Lane { get; }

    /// <summary>The key of a ParallelizationFactor lane.</summary>
    public static FunctionShardKey ForLane(string function, string shardId, int lane) =>
        new(function, shardId, lane >= 0 ? lane.ToString(CultureInfo.InvariantCulture) : throw new ArgumentOutOfRangeException(nameof(lane), lane, "A lane number is not negative."));

    /// <summary>The key replays of a shard's dead letters run under.</summary>
    public static FunctionShardKey ForReplay(string function, string shardId) => new(function, shardId, ReplayLane);

    /// <exception cref="FormatException">Not three non-empty parts separated by <c>/</c>.</exception>
    public static FunctionShardKey Parse(string key) =>
        TryParse(key, out var parsed) ? parsed : throw new FormatException($"'{key}' is not a function shard key ({{function}}/{{shardId}}/{{lane}}).");

    public static bool TryParse([NotNullWhen(true)] string? key, out FunctionShardKey parsed)
    {
        parsed = default;
        if (key is null)
        {
            return false;
        }

        var parts = key.Split(Separator);
        if (parts.Length != 3 || parts.Any(string.IsNullOrEmpty))
        {
            return false;
        }

        parsed = new FunctionShardKey(parts[0], parts[1], parts[2]);
        return true;
    }

    public override string ToString() => $"{Function}{Separator}{ShardId}{Separator}{Lane}";

    private static string Checked(string part, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(part, name);
        return part.Contains(Separator, StringComparison.Ordinal)
            ? throw new ArgumentException($"A function shard key's part holds no '{Separator}': '{part}'.", name)
            : part;
    }
}

/// <summary>Gets function shard grains by their typed key.</summary>
public static class FunctionShardGrainExtensions
{
    public static IFunctionShardGrain GetFunctionShardGrain(this IGrainFactory grains, FunctionShardKey key) =>
        grains.GetGrain<IFunctionShardGrain>(key.ToString());
}
