
namespace Game.Functions.Contracts;

/// <summary>Sends frames to a game's displays and standings to its phones (implemented over the SignalR hub contexts).</summary>
public interface IFramePublisher
{
    Task PublishAsync(ScoreboardFrame frame, CancellationToken cancellationToken);

    Task PublishStandingsAsync(IReadOnlyList<PhoneStanding> standings, CancellationToken cancellationToken);
}
