using Game.Functions.Contracts;

namespace LoadTest.Phones;

/// <summary>How a phone's batches reach the server: its own SignalR connection, or a Kinesis producer shared by all phones.</summary>
public interface IMotionLink : IAsyncDisposable
{
    /// <summary>False while the link is down (a SignalR connection reconnecting or closed).</summary>
    bool Connected { get; }

    /// <summary>The server's answer to one batch; throws when the batch may not have reached it (connection lost, HTTP failure).</summary>
    Task<MotionAck> SendAsync(MotionBatch batch, CancellationToken cancellationToken);

    /// <summary>
    /// Before a resend: waits out a reconnect, or starts the link again. False when the link is still not usable,
    /// or when <paramref name="pastGiveUp"/> says the phone should stop trying.
    /// </summary>
    Task<bool> ReadyAsync(Func<bool> pastGiveUp, CancellationToken cancellationToken);
}
