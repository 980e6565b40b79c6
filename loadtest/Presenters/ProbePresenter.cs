using Game.Functions.Contracts;
using LoadTest.Options;
using LoadTest.Phones;
using LoadTest.Reporting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LoadTest.Presenters;

/// <summary>
/// A presenter display that watches with probe frames: each frame's <see cref="ScoreboardFrame.Applied"/> says the
/// highest phone seq it reflects per player, so every batch up to that seq has reached the display, and its
/// send-to-display delay is the frame's arrival minus the batch's first send.
/// </summary>
public sealed class ProbePresenter : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly IReadOnlyDictionary<string, PhoneSession> _phones;
    private readonly LoadMetrics _metrics;
    private readonly TimeProvider _time;

    // Per player, the highest seq this display has already measured: a batch is measured once per display.
    private readonly Dictionary<string, long> _measured = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    private ProbePresenter(HubConnection connection, IReadOnlyDictionary<string, PhoneSession> phones, LoadMetrics metrics, TimeProvider time)
    {
        _connection = connection;
        _phones = phones;
        _metrics = metrics;
        _time = time;
        _connection.On<ScoreboardFrame>(nameof(IPresenterClient.Frame), OnFrame);
        _connection.Reconnecting += _ =>
        {
            _metrics.Reconnected();
            return Task.CompletedTask;
        };
    }

    /// <summary>The latest frame's phase, for waiting on the round without polling.</summary>
    public GamePhase LastPhase { get; private set; }

    public static async Task<ProbePresenter> WatchAsync(
        string gameId, IReadOnlyDictionary<string, PhoneSession> phones, LoadOptions options, LoadMetrics metrics, TimeProvider time, CancellationToken cancellationToken)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(options.Url, HubPaths.Presenter), HttpTransportType.WebSockets, o => o.SkipNegotiation = true)
            .AddMessagePackProtocol()
            .WithAutomaticReconnect()
            .Build();
        var presenter = new ProbePresenter(connection, phones, metrics, time);
        try
        {
            await connection.StartAsync(cancellationToken);
            var snapshot = await connection.InvokeAsync<ScoreboardFrame>(PresenterHubMethods.Watch, gameId, true, cancellationToken);
            presenter.LastPhase = snapshot.Phase;

            // After a reconnect the connection is new and in no group: watch again.
            connection.Reconnected += _ => connection.InvokeAsync<ScoreboardFrame>(PresenterHubMethods.Watch, gameId, true);
            return presenter;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private void OnFrame(ScoreboardFrame frame)
    {
        var now = _time.GetTimestamp();
        LastPhase = frame.Phase;
        _metrics.FrameDelivered(now, TimeSpan.FromMilliseconds(Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds() - frame.ServerTime)));
        _metrics.FrameReceived(frame.Applied.Count > 0);
        lock (_lock)
        {
            foreach (var (playerId, appliedSeq) in frame.Applied)
            {
                if (!_phones.TryGetValue(playerId, out var phone))
                {
                    _metrics.Error("frame:unknown-player");
                    continue;
                }

                if (appliedSeq > phone.HighestSentSeq)
                {
                    _metrics.Error("frame:applied-seq-never-sent");
                }

                var from = _measured.GetValueOrDefault(playerId) + 1;
                for (var seq = from; seq <= appliedSeq; seq++)
                {
                    if (phone.TryGetSendTime(seq, out var sentAt))
                    {
                        _metrics.Displayed(sentAt, _time.GetElapsedTime(sentAt, now));
                    }
                }

                _measured[playerId] = Math.Max(from - 1, appliedSeq);
            }
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
