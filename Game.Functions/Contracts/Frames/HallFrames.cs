using MessagePack;

namespace Game.Functions.Contracts;

/// <summary>
/// The hall view's frame: every player of a game as a dot, each known by a small integer id instead of its name.
/// A fresh display gets a full frame (<see cref="Full"/>); after that only the players whose score changed since the
/// previous frame, coalesced at the rate of the scoreboard frames. Scores are absolute, never increments, so a delta
/// that overlaps the snapshot a display started from does no harm: the display drops what is older than its
/// snapshot (<see cref="Version"/>) and applies the rest.
/// </summary>
/// <remarks>
/// <para>Ids are given in join order from 0 and never reused, so the players new in a frame are always the ids
/// <see cref="JoinedFrom"/>, <see cref="JoinedFrom"/> + 1, …: their groups come as one list, and a display derives each
/// one's place in its group (its slot) from the order it learns them in.</para>
/// <para>The ids hold for one <see cref="Epoch"/> (one activation of the game's scoreboard); a frame of another epoch
/// means the display must ask for a full frame again.</para>
/// <para>Sizes (docs/performance.md): 5,000 players with 500 changed cost about 2 KB per frame.</para>
/// </remarks>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record HallFrame
{
    [Id(0), Key("gameId")] public string GameId { get; init; } = "";

    /// <summary>Names the id assignment the frame uses; it changes when the game's scoreboard is rebuilt (a reactivation).</summary>
    [Id(1), Key("epoch")] public int Epoch { get; init; }

    /// <summary>The game's frame version this frame goes with: a display drops a delta not above its snapshot's.</summary>
    [Id(2), Key("version")] public long Version { get; init; }

    /// <summary>True for a snapshot: every player, from id 0; a display starts over from it.</summary>
    [Id(3), Key("full")] public bool Full { get; init; }

    /// <summary>
    /// The groups (teams in order of their first player; "" for players without a team), indexed by
    /// <see cref="JoinedGroups"/>. In a full frame and whenever a group was added since the last frame; else empty (unchanged).
    /// </summary>
    [Id(4), Key("groups")] public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>The id of the first player new in this frame (0 in a full frame).</summary>
    [Id(5), Key("joinedFrom")] public int JoinedFrom { get; init; }

    /// <summary>The group of each new player, ids <see cref="JoinedFrom"/> onwards, in order.</summary>
    [Id(6), Key("joinedGroups")] public IReadOnlyList<int> JoinedGroups { get; init; } = [];

    /// <summary>
    /// The players whose score changed, as ascending ids delta-encoded: the first is an id, each next one the gap to
    /// the id before it (mostly one MessagePack byte each). A player missing here kept its score; a new player missing
    /// here has 0.
    /// </summary>
    [Id(7), Key("changedIds")] public IReadOnlyList<int> ChangedIds { get; init; } = [];

    /// <summary>The new score of each player in <see cref="ChangedIds"/>, in the same order.</summary>
    [Id(8), Key("changedScores")] public IReadOnlyList<long> ChangedScores { get; init; } = [];
}

/// <summary>
/// Where a phone's own dot is in the hall view, so a player can find themselves: the group (team) cluster, its place
/// among the clusters, and the dot's slot in its cluster (the n-th of the team to join, counted from the centre).
/// </summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record HallSpot
{
    /// <summary>The player's id in <see cref="HallFrame"/>s.</summary>
    [Id(0), Key("id")] public int Id { get; init; }

    /// <summary>The cluster's index, in order of the teams' first players.</summary>
    [Id(1), Key("group")] public int Group { get; init; }

    /// <summary>How many clusters the hall shows.</summary>
    [Id(2), Key("groups")] public int Groups { get; init; }

    /// <summary>The dot's place in its cluster, 0 at the centre, spiralling out.</summary>
    [Id(3), Key("slot")] public int Slot { get; init; }

    /// <summary>How many dots the cluster has.</summary>
    [Id(4), Key("groupSize")] public int GroupSize { get; init; }
}
