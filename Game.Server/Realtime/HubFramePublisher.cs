using Game.Functions.Contracts;
using Microsoft.AspNetCore.SignalR;

namespace Game.Server.Realtime;

/// <summary>Pushes a game's frames to its displays through the hub context (and, with a backplane, to every node).</summary>
public sealed class HubFramePublisher(IHubContext<PresenterHub, IPresenterClient> hub) : IFramePublisher
{
    private static readonly Dictionary<string, long> NoneApplied = [];

    public static string Group(string gameId, bool probe) => (probe ? "probe:" : "display:") + gameId;

    public Task PublishAsync(ScoreboardFrame frame, CancellationToken cancellationToken) => Task.WhenAll(
        hub.Clients.Group(Group(frame.GameId, probe: false)).Frame(frame with { Applied = NoneApplied }),
        hub.Clients.Group(Group(frame.GameId, probe: true)).Frame(frame));
}
