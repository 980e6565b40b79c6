using Game.Functions.Contracts;
using Microsoft.AspNetCore.SignalR;

namespace Game.Server.Realtime;

/// <summary>Displays watch a game here: they join its frame group and get a snapshot at once.</summary>
public sealed class PresenterHub(IGrainFactory grains) : Hub<IPresenterClient>
{
    /// <summary>Joins the game's frames and answers the current scoreboard.</summary>
    /// <param name="gameId">The join code.</param>
    /// <param name="probe">True for the load tool: frames then list the phone seqs they reflect.</param>
    /// <remarks>
    /// The group first, then the snapshot, as <see cref="WatchHall"/> does: a frame built after the snapshot then
    /// reaches this display, and one built before it carries a lower version, which the display drops. The other way
    /// round, a frame sent between the two (a player joining the lobby) was lost, and nothing else changes in a lobby:
    /// the display counted one player short until the next change.
    /// </remarks>
    public async Task<ScoreboardFrame> Watch(string gameId, bool probe = false)
    {
        var code = gameId.ToUpperInvariant();
        var group = HubFramePublisher.Group(code, probe);
        await Groups.AddToGroupAsync(Context.ConnectionId, group);
        if (await grains.GetGrain<IGameGrain>(code).Snapshot() is not { } snapshot)
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, group);
            throw new HubException($"No game has the code '{gameId}'.");
        }

        return snapshot;
    }

    /// <summary>Joins the game's hall frames and answers a full one.</summary>
    /// <remarks>
    /// The group first, then the snapshot: a delta built after the snapshot then reaches this display, and one built
    /// before it carries a lower version, which the display drops (scores are absolute, so either way is right).
    /// </remarks>
    public async Task<HallFrame> WatchHall(string gameId)
    {
        var code = gameId.ToUpperInvariant();
        await Groups.AddToGroupAsync(Context.ConnectionId, HubFramePublisher.HallGroup(code));
        var snapshot = await grains.GetGrain<IGameGrain>(code).HallSnapshot();
        if (snapshot is null)
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, HubFramePublisher.HallGroup(code));
            throw new HubException($"No game has the code '{gameId}'.");
        }

        return snapshot;
    }

    /// <summary>Leaves the game's hall frames: a display that left the hall view stops receiving them.</summary>
    public Task UnwatchHall(string gameId) =>
        Groups.RemoveFromGroupAsync(Context.ConnectionId, HubFramePublisher.HallGroup(gameId.ToUpperInvariant()));
}
