using System.Security.Cryptography;
using Game.Functions.Contracts;

namespace Game.Functions.Games;

/// <summary>
/// Who is which dot in the hall view, and the hall frames built from it: each player gets a small id in join order,
/// each team a group in order of its first player, each player a slot in its group; a frame lists only the players
/// whose score moved since the last one. Pure and not thread-safe, like the <see cref="Scoreboard"/> that owns it.
/// </summary>
/// <remarks>
/// Nothing here is stored: a rebuilt scoreboard (a reactivated grain) numbers its players again, under a new
/// <see cref="Epoch"/>, and displays that see the new epoch ask for a full frame. Building a delta looks at every
/// player once (O(n)); at 20 frames a second and 10,000 players that is a few hundred thousand comparisons a second.
/// </remarks>
public sealed class HallLayout
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<Dot> _dots = [];
    // Teams match ignoring case, as the scoreboard's do; the scoreboard already gives a player the team's first spelling.
    private readonly Dictionary<string, int> _groupIndex = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _groups = [];
    private readonly List<int> _groupSizes = [];
    private int _sentDots;
    private int _sentGroups;

    /// <summary>Names this numbering of the players: random, positive, and small enough for JavaScript's numbers.</summary>
    public int Epoch { get; } = RandomNumberGenerator.GetInt32(1, int.MaxValue);

    /// <summary>How many players have an id.</summary>
    public int Count => _dots.Count;

    /// <summary>Gives the player the next id (a player added again keeps theirs) and answers it.</summary>
    public int Add(PlayerProfile profile)
    {
        if (_ids.TryGetValue(profile.PlayerId, out var known))
        {
            return known;
        }

        if (!_groupIndex.TryGetValue(profile.Team, out var group))
        {
            group = _groups.Count;
            _groupIndex[profile.Team] = group;
            _groups.Add(profile.Team);
            _groupSizes.Add(0);
        }

        var id = _dots.Count;
        _dots.Add(new Dot(profile.PlayerId, group, _groupSizes[group]++, SentScore: 0));
        _ids[profile.PlayerId] = id;
        return id;
    }

    /// <summary>Where the player's dot is, or null for a player without one.</summary>
    public HallSpot? SpotOf(string playerId)
    {
        if (!_ids.TryGetValue(playerId, out var id))
        {
            return null;
        }

        var dot = _dots[id];
        return new HallSpot { Id = id, Group = dot.Group, Groups = _groups.Count, Slot = dot.Slot, GroupSize = _groupSizes[dot.Group] };
    }

    /// <summary>
    /// A full frame for a display that starts: every player and every score. It changes nothing about what the next
    /// <see cref="Delta"/> sends (a display that got this frame drops older deltas by their version).
    /// </summary>
    public HallFrame Full(string gameId, long version, Func<string, long> scoreOf)
    {
        var groups = new int[_dots.Count];
        var ids = new List<int>();
        var scores = new List<long>();
        var previous = 0;
        for (var id = 0; id < _dots.Count; id++)
        {
            groups[id] = _dots[id].Group;
            var score = scoreOf(_dots[id].PlayerId);
            if (score != 0)
            {
                ids.Add(id - previous);
                scores.Add(score);
                previous = id;
            }
        }

        return new HallFrame
        {
            GameId = gameId, Epoch = Epoch, Version = version, Full = true, Groups = [.. _groups],
            JoinedFrom = 0, JoinedGroups = groups, ChangedIds = ids, ChangedScores = scores,
        };
    }

    /// <summary>
    /// The players new or with another score since the last delta, and remembers them as sent; null when nothing
    /// changed (no frame is due).
    /// </summary>
    public HallFrame? Delta(string gameId, long version, Func<string, long> scoreOf)
    {
        var ids = new List<int>();
        var scores = new List<long>();
        var previous = 0;
        for (var id = 0; id < _dots.Count; id++)
        {
            var dot = _dots[id];
            var score = scoreOf(dot.PlayerId);
            // A new player is listed when its score is not the 0 its join implies.
            if (score != dot.SentScore)
            {
                ids.Add(id - previous);
                scores.Add(score);
                previous = id;
                _dots[id] = dot with { SentScore = score };
            }
        }

        var joinedFrom = _sentDots;
        var joined = _dots.Count - joinedFrom;
        var groupsAdded = _groups.Count > _sentGroups;
        if (ids.Count == 0 && joined == 0)
        {
            return null;
        }

        var joinedGroups = new int[joined];
        for (var i = 0; i < joined; i++)
        {
            joinedGroups[i] = _dots[joinedFrom + i].Group;
        }

        _sentDots = _dots.Count;
        _sentGroups = _groups.Count;
        return new HallFrame
        {
            GameId = gameId, Epoch = Epoch, Version = version, Full = false, Groups = groupsAdded ? [.. _groups] : [],
            JoinedFrom = joinedFrom, JoinedGroups = joinedGroups, ChangedIds = ids, ChangedScores = scores,
        };
    }

    /// <summary>One player's dot: who, which group, which slot in it, and the score the last delta sent.</summary>
    private readonly record struct Dot(string PlayerId, int Group, int Slot, long SentScore);
}
