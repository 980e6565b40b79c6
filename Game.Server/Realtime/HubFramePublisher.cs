using Game.Functions.Contracts;
using Microsoft.AspNetCore.SignalR;

namespace Game.Server.Realtime;

/// <summary>
/// Pushes a game's frames to its displays and each phone's standing to that phone, through the hub contexts
/// (with a backplane, to every node). A phone that is sending gets its standing in its next ack instead
/// (<see cref="StandingsRouter"/>); what no ack carried in time is pushed by a sweep.
/// </summary>
public sealed partial class HubFramePublisher : IFramePublisher, IDisposable
{
    private static readonly Dictionary<string, long> NoneApplied = [];

    private readonly IHubContext<PresenterHub, IPresenterClient> _presenters;
    private readonly IHubContext<PhoneHub, IPhoneClient> _phones;
    private readonly StandingsRouter _standings;
    private readonly ILogger<HubFramePublisher> _logger;
    private readonly ITimer _overdueSweep;

    public HubFramePublisher(
        IHubContext<PresenterHub, IPresenterClient> presenters,
        IHubContext<PhoneHub, IPhoneClient> phones,
        StandingsRouter standings,
        TimeProvider time,
        ILogger<HubFramePublisher> logger)
    {
        _presenters = presenters;
        _phones = phones;
        _standings = standings;
        _logger = logger;
        var every = StandingsRouter.RideLimit / 2;
        _overdueSweep = time.CreateTimer(_ => _ = PushOverdueAsync(), null, every, every);
    }

    public static string Group(string gameId, bool probe) => (probe ? "probe:" : "display:") + gameId;

    /// <summary>The displays that show a game's hall view (only they pay for its frames).</summary>
    public static string HallGroup(string gameId) => "hall:" + gameId;

    /// <summary>A player's own group: every connection of that player's phone (a reload may briefly make two).</summary>
    public static string PlayerGroup(string playerId) => "player:" + playerId;

    public Task PublishAsync(ScoreboardFrame frame, CancellationToken cancellationToken) => Task.WhenAll(
        _presenters.Clients.Group(Group(frame.GameId, probe: false)).Frame(frame with { Applied = NoneApplied }),
        _presenters.Clients.Group(Group(frame.GameId, probe: true)).Frame(frame));

    public Task PublishHallAsync(HallFrame frame, CancellationToken cancellationToken) =>
        _presenters.Clients.Group(HallGroup(frame.GameId)).Hall(frame);

    public Task PublishStandingsAsync(IReadOnlyList<PhoneStanding> standings, CancellationToken cancellationToken) =>
        PushAsync(_standings.Route(standings));

    public void Dispose() => _overdueSweep.Dispose();

    private Task PushAsync(List<PhoneStanding> standings) =>
        standings.Count == 0 ? Task.CompletedTask : Task.WhenAll(standings.Select(s => _phones.Clients.Group(PlayerGroup(s.PlayerId)).Standing(s)));

    private async Task PushOverdueAsync()
    {
        try
        {
            await PushAsync(_standings.TakeOverdue());
        }
        catch (Exception ex)
        {
            // The phone's next standing, or its reconnect, brings it up to date.
            LogPushFailed(_logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pushing overdue standings to phones failed")]
    private static partial void LogPushFailed(ILogger logger, Exception exception);
}
