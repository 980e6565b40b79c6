using System.Collections.Concurrent;
using Game.Functions.Contracts;

namespace Game.Server.Realtime;

/// <summary>
/// Where each phone's newest standing goes: a phone that is sending gets it inside its next ack instead of in a
/// message of its own (at full load the pushes were more than half as many messages as the acks, and every message
/// costs both ends a system call). A standing that is not for a running round, or for a phone that has not sent
/// lately, is pushed at once; one that no ack has carried within <see cref="RideLimit"/> is pushed after all.
/// </summary>
/// <remarks>
/// Per process: with several nodes, a phone connected to another node than its game's grain is never seen acking
/// here, so its standings are simply pushed (through the backplane), as before.
/// Bounded: only a phone that acks gets an entry, at most <see cref="MaxEntries"/> at once (beyond that a phone's
/// standings are pushed, as for a phone that does not send); an entry goes when its phone disconnects, or
/// <see cref="ForgetAfter"/> after its last ack once nothing waits in it.
/// </remarks>
public sealed class StandingsRouter(TimeProvider time, int maxEntries = StandingsRouter.MaxEntries)
{
    /// <summary>How recently a phone must have been acked for its standing to wait for the next ack, and how long it waits at most.</summary>
    public static readonly TimeSpan RideLimit = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// A phone not acked for this long is forgotten (it stopped sending, or left without a clean disconnect). Any
    /// time well beyond <see cref="RideLimit"/> would do: an entry older than that only says "push".
    /// </summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(1);

    /// <summary>Entries kept at most: ten times the largest hall measured (docs/performance.md), about 100 bytes each.</summary>
    public const int MaxEntries = 50_000;

    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>Players with an entry now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Called for every ack: notes that the phone is sending, and hands over the standing waiting for it, if any.</summary>
    public PhoneStanding? TakeForAck(string playerId)
    {
        if (!_slots.TryGetValue(playerId, out var slot))
        {
            if (Interlocked.Increment(ref _count) > maxEntries)
            {
                // Full: this phone's standings are pushed; correct, only dearer.
                Interlocked.Decrement(ref _count);
                return null;
            }

            var fresh = new Slot();
            slot = _slots.GetOrAdd(playerId, fresh);
            if (!ReferenceEquals(slot, fresh))
            {
                Interlocked.Decrement(ref _count);
            }
        }

        lock (slot)
        {
            slot.LastAck = time.GetTimestamp();
            var waiting = slot.Waiting;
            slot.Waiting = null;
            return waiting;
        }
    }

    /// <summary>Keeps the standings that can ride their phone's next ack; answers the rest, to push now.</summary>
    public List<PhoneStanding> Route(IReadOnlyList<PhoneStanding> standings)
    {
        var now = time.GetTimestamp();
        var push = new List<PhoneStanding>();
        foreach (var standing in standings)
        {
            // A phone that never acked here has no entry, and gets none: nothing would ever carry it.
            if (!_slots.TryGetValue(standing.PlayerId, out var slot))
            {
                push.Add(standing);
                continue;
            }

            lock (slot)
            {
                // Only a running round keeps phones sending; at its end the last standing must not wait for an ack that never comes.
                if (standing.Phase == GamePhase.Running && slot.LastAck is { } lastAck && time.GetElapsedTime(lastAck, now) < RideLimit)
                {
                    slot.WaitingSince = slot.Waiting is null ? now : slot.WaitingSince;
                    slot.Waiting = standing;
                }
                else
                {
                    slot.Waiting = null;
                    push.Add(standing);
                }
            }
        }

        return push;
    }

    /// <summary>
    /// The phone disconnected: its entry goes. A standing still waiting in it is dropped, not pushed: the phone gets
    /// its standing when it connects again (and a second connection of a reloading phone acks again at once).
    /// </summary>
    public void Release(string playerId)
    {
        if (_slots.TryRemove(playerId, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>Standings that waited <see cref="RideLimit"/> for an ack in vain (the phone stopped sending): to push now.</summary>
    public List<PhoneStanding> TakeOverdue()
    {
        var now = time.GetTimestamp();
        var overdue = new List<PhoneStanding>();
        foreach (var (playerId, slot) in _slots)
        {
            lock (slot)
            {
                if (slot.Waiting is { } waiting && time.GetElapsedTime(slot.WaitingSince, now) >= RideLimit)
                {
                    overdue.Add(waiting);
                    slot.Waiting = null;
                }
                else if (slot.Waiting is null && slot.LastAck is { } lastAck && time.GetElapsedTime(lastAck, now) >= ForgetAfter
                    && _slots.TryRemove(new KeyValuePair<string, Slot>(playerId, slot)))
                {
                    Interlocked.Decrement(ref _count);
                }
            }
        }

        return overdue;
    }

    private sealed class Slot
    {
        public long? LastAck { get; set; }

        public PhoneStanding? Waiting { get; set; }

        public long WaitingSince { get; set; }
    }
}
