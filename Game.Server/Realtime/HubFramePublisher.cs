using Game.Functions.Contracts;
using Microsoft.AspNetCore.SignalR;

namespace Game.Server.Realtime;

/// <summary>
/// Pushes a game's frames to its displays and each phone's standing to that phone, through the hub contexts
/// (with a backplane, to every node).
/// </summary>
public sealed class HubFramePublisher(
    IHubContext<PresenterHub, IPresenterClient> presenters,
    IHubContext<PhoneHub, IPhoneClient> phones) : IFramePublisher
{
    private static readonly Dictionary<string, long> NoneApplied = [];

    public static string Group(string gameId, bool probe) => (probe ? "probe:" : "display:") + gameId;

    /// <summary>A player's own group: every connection of that player's phone (a reload may briefly make two).</summary>
    public static string PlayerGroup(string playerId) => "player:" + playerId;

    public Task PublishAsync(ScoreboardFrame frame, CancellationToken cancellationToken) => Task.WhenAll(
        presenters.Clients.Group(Group(frame.GameId, probe: false)).Frame(frame with { Applied = NoneApplied }),
        presenters.Clients.Group(Group(frame.GameId, probe: true)).Frame(frame));

    public Task PublishStandingsAsync(IReadOnlyList<PhoneStanding> standings, CancellationToken cancellationToken) =>
        Task.WhenAll(standings.Select(s => phones.Clients.Group(PlayerGroup(s.PlayerId)).Standing(s)));
}
