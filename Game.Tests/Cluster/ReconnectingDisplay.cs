using System.Diagnostics;
using Game.Functions.Contracts;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Cluster;

/// <summary>
/// A presenter display as the page behaves: a WebSocket without negotiation to one URL, <c>Watch</c> for the
/// snapshot, frames after it; when the connection breaks (its node died) it connects again through the same URL and
/// watches again. Keeps every frame with the time it arrived.
/// </summary>
public sealed class ReconnectingDisplay : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly string _baseUrl;
    private readonly string _gameId;
    private readonly List<(long At, ScoreboardFrame Frame)> _frames = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _watching = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private int _reconnects;

    public ReconnectingDisplay(string baseUrl, string gameId) => (_baseUrl, _gameId) = (baseUrl, gameId);

    /// <summary>How many times the display had to connect again after its connection broke.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>Connects and answers once the first snapshot arrived.</summary>
    public async Task StartAsync(TimeSpan timeout)
    {
        _loop = Task.Run(RunAsync);
        await _watching.Task.WaitAsync(timeout);
    }

    /// <summary>The latest frame (snapshot or push), or null before the first.</summary>
    public ScoreboardFrame? Latest
    {
        get
        {
            lock (_frames)
            {
                return _frames.Count > 0 ? _frames[^1].Frame : null;
            }
        }
    }

    /// <summary>When frames (snapshots included) arrived at or after <paramref name="since"/>, a <see cref="Stopwatch"/> timestamp.</summary>
    public IReadOnlyList<long> FrameTimesSince(long since)
    {
        lock (_frames)
        {
            return _frames.Where(f => f.At >= since).Select(f => f.At).ToList();
        }
    }

    /// <summary>Waits for a frame that satisfies <paramref name="condition"/>, polling the frames kept; answers it.</summary>
    public async Task<ScoreboardFrame> WaitForFrameAsync(Func<ScoreboardFrame, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_frames)
            {
                if (_frames.Select(f => f.Frame).LastOrDefault(condition) is { } frame)
                {
                    return frame;
                }
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"No frame as expected within {timeout.TotalSeconds:0} s; the latest: {Describe(Latest)}");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private static string Describe(ScoreboardFrame? frame) => frame is null
        ? "none"
        : $"{frame.Phase} v{frame.Version}: " + string.Join(", ", frame.Leaders.Select(l => $"{l.PlayerId}={l.Score}"));

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(_baseUrl + HubPaths.Presenter, o => (o.SkipNegotiation, o.Transports) = (true, HttpTransportType.WebSockets))
                .AddMessagePackProtocol()
                .Build();
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.Closed += _ =>
            {
                closed.TrySetResult();
                return Task.CompletedTask;
            };
            connection.On<ScoreboardFrame>(nameof(IPresenterClient.Frame), Record);
            var watched = false;
            try
            {
                await connection.StartAsync(_stop.Token);
                Record(await connection.InvokeAsync<ScoreboardFrame>(PresenterHubMethods.Watch, _gameId, false, _stop.Token));
                _watching.TrySetResult();
                watched = true;
                await closed.Task.WaitAsync(_stop.Token);
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                // The node went away while connecting or watching: try again through the same URL.
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                await connection.DisposeAsync();
            }

            if (!_stop.IsCancellationRequested)
            {
                if (watched)
                {
                    Interlocked.Increment(ref _reconnects);
                }

                await Task.Delay(RetryDelay, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private void Record(ScoreboardFrame frame)
    {
        lock (_frames)
        {
            _frames.Add((Stopwatch.GetTimestamp(), frame));
        }
    }
}
