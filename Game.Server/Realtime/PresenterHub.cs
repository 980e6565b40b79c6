using Game.Functions.Contracts;
using Microsoft.AspNetCore.SignalR;

namespace Game.Server.Realtime;

/// <summary>Displays watch a game here: they join its frame group and get a snapshot at once.</summary>
public sealed class PresenterHub(IGrainFactory grains) : Hub<IPresenterClient>
{
    /// <summary>Joins the game's frames and answers the current scoreboard.</summary>
    /// <param name="gameId">The join code.</param>
    /// <param name="probe">True for the load tool: frames then list the phone seqs they reflect.</param>
    public async Task<ScoreboardFrame> Watch(string gameId, bool probe = false)
    {
        var snapshot = await grains.GetGrain<IGameGrain>(gameId.ToUpperInvariant()).Snapshot()
            ?? throw new HubException($"No game has the code '{gameId}'.");
        await Groups.AddToGroupAsync(Context.ConnectionId, HubFramePublisher.Group(snapshot.GameId, probe));
        return snapshot;
    }
}
