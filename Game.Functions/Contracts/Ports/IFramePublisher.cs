
namespace Game.Functions.Contracts;

/// <summary>Sends frames to a game's displays and standings to its phones (implemented over the SignalR hub contexts).</summary>
public interface IFramePublisher
{
    Task PublishAsync(ScoreboardFrame frame, CancellationToken cancellationToken);

    Task PublishStandingsAsync(IReadOnlyList<PhoneStanding> standings, CancellationToken cancellationToken);

    /// <summary>Sends a hall delta to the displays that show the hall view.</summary>
    Task PublishHallAsync(HallFrame frame, CancellationToken cancellationToken);
}
