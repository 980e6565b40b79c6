using System.Diagnostics;
using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Infrastructure;

/// <summary>
/// Phones that send numbered motion batches continuously, as play.js does: each batch is resent with the same
/// seq until the server acknowledges it, reconnecting (to wherever the server is now) whenever the connection
/// breaks. Keeps every acknowledged batch, so a test can compute the exact expected scores.
/// </summary>
public sealed class ResendingPhones : IAsyncDisposable
{
    private static readonly TimeSpan InvokeTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly IReadOnlyList<GameClient.JoinedPlayer> _players;
    private readonly Func<string> _baseUrl;
    private readonly TimeSpan _interval;
    private readonly int _samplesPerBatch;
    private readonly Dictionary<string, List<MotionBatch>> _acknowledged;
    private readonly bool _webSocketsOnly;
    private readonly Dictionary<string, List<long>> _ackTimes;
    private readonly Dictionary<string, List<long>> _reconnectTimes;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private Task[] _loops = [];
    private long _acknowledgedCount;
    private long _reconnects;

    /// <param name="players">The joined players, one phone each.</param>
    /// <param name="baseUrl">Where the server is now; read again on every reconnect.</param>
    /// <param name="interval">One phone's period between batches: it sends a batch every <paramref name="interval"/>, or as soon as the last one is acknowledged when that took longer (no catch-up bursts).</param>
    /// <param name="webSocketsOnly">Connect as play.js does, a WebSocket without negotiation: what a load balancer without sticky sessions needs.</param>
    public ResendingPhones(IReadOnlyList<GameClient.JoinedPlayer> players, Func<string> baseUrl, TimeSpan interval, bool webSocketsOnly = false)
    {
        _webSocketsOnly = webSocketsOnly;
        _players = players;
        _baseUrl = baseUrl;
        _interval = interval;
        // What a 50 Hz sensor takes in one interval: more would run ahead of the server's clock and be dropped.
        _samplesPerBatch = Math.Max(1, (int)(interval.TotalMilliseconds / 20));
        _acknowledged = players.ToDictionary(p => p.PlayerId, _ => new List<MotionBatch>());
        _ackTimes = players.ToDictionary(p => p.PlayerId, _ => new List<long>());
        _reconnectTimes = players.ToDictionary(p => p.PlayerId, _ => new List<long>());
    }

    /// <summary>One phone since a moment: how often it reconnected, and the longest wait between two of its acks.</summary>
    public sealed record PhoneGaps(int Reconnects, TimeSpan LongestGap);

    /// <summary>
    /// Per player, since <paramref name="since"/> (a <see cref="Stopwatch"/> timestamp) and before
    /// <paramref name="until"/>: reconnects, and the longest time between two consecutive acks of which the later came
    /// in that span (so a stall that began before counts whole).
    /// </summary>
    public IReadOnlyDictionary<string, PhoneGaps> GapsSince(long since, long until = long.MaxValue)
    {
        lock (_acknowledged)
        {
            return _ackTimes.ToDictionary(p => p.Key, p => new PhoneGaps(
                _reconnectTimes[p.Key].Count(t => t >= since && t < until),
                p.Value.Zip(p.Value.Skip(1)).Where(pair => pair.Second >= since && pair.Second < until)
                    .Select(pair => Stopwatch.GetElapsedTime(pair.First, pair.Second)).DefaultIfEmpty(TimeSpan.Zero).Max()));
        }
    }

    /// <summary>Per player, the first ack at or after <paramref name="since"/> (a <see cref="Stopwatch"/> timestamp), if any yet.</summary>
    public IReadOnlyDictionary<string, long?> FirstAckSince(long since)
    {
        lock (_acknowledged)
        {
            return _ackTimes.ToDictionary(p => p.Key, p => p.Value.Where(t => t >= since).Select(t => (long?)t).FirstOrDefault());
        }
    }

    /// <summary>Batches acknowledged so far, all phones together.</summary>
    public long AcknowledgedCount => Interlocked.Read(ref _acknowledgedCount);

    /// <summary>How many times a phone had to open a new connection after one broke.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    public void Start() =>
        _loops = _players.Select((player, index) => Task.Run(() => RunAsync(player, strength: index % 3 + 1))).ToArray();

    /// <summary>Waits until <paramref name="count"/> batches have been acknowledged in all, polling with a deadline.</summary>
    public async Task WaitForAcknowledgedAsync(long count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (AcknowledgedCount < count)
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Only {AcknowledgedCount} of {count} batches were acknowledged within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Lets each phone finish the batch it is sending (until acknowledged), then stops them.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        _stop.Cancel();
        await Task.WhenAll(_loops).WaitAsync(timeout);
    }

    /// <summary>What each player's ledger must be: <see cref="ScoreLedger.Apply"/> over the acknowledged batches, in seq order.</summary>
    public IReadOnlyDictionary<string, PlayerLedger> ExpectedLedgers()
    {
        lock (_acknowledged)
        {
            return _acknowledged.ToDictionary(
                p => p.Key,
                p => p.Value.Aggregate(PlayerLedger.Empty, (ledger, batch) => ScoreLedger.Apply(ledger, batch, counts: true).Ledger));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _abort.Cancel();
        await Task.WhenAll(_loops).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
        _abort.Dispose();
    }

    private async Task RunAsync(GameClient.JoinedPlayer player, int strength)
    {
        HubConnection? connection = null;
        var due = DateTime.UtcNow;
        try
        {
            for (var seq = 1L; !_stop.IsCancellationRequested; seq++)
            {
                var batch = Batch(player, seq, strength);
                while (true)
                {
                    _abort.Token.ThrowIfCancellationRequested();
                    try
                    {
                        if (connection is null)
                        {
                            connection = await ConnectAsync(player);
                        }

                        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
                        timeout.CancelAfter(InvokeTimeout);
                        var ack = await connection.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch, timeout.Token);
                        if (ack.Accepted)
                        {
                            break;
                        }
                    }
                    catch (Exception) when (!_abort.IsCancellationRequested)
                    {
                        // The server died or restarts: drop the connection and resend the same batch on a new one.
                        if (connection is not null)
                        {
                            await connection.DisposeAsync();
                            connection = null;
                            Interlocked.Increment(ref _reconnects);
                            lock (_acknowledged)
                            {
                                _reconnectTimes[player.PlayerId].Add(Stopwatch.GetTimestamp());
                            }
                        }
                    }

                    await Task.Delay(RetryDelay, _abort.Token);
                }

                lock (_acknowledged)
                {
                    _acknowledged[player.PlayerId].Add(batch);
                    _ackTimes[player.PlayerId].Add(Stopwatch.GetTimestamp());
                }

                Interlocked.Increment(ref _acknowledgedCount);
                var now = DateTime.UtcNow;
                due = due + _interval > now ? due + _interval : now;
                if (due > now)
                {
                    await Task.Delay(due - now, _abort.Token);
                }
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private async Task<HubConnection> ConnectAsync(GameClient.JoinedPlayer player)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl($"{_baseUrl()}{HubPaths.Phone}?access_token={Uri.EscapeDataString(player.Token)}", options =>
            {
                if (_webSocketsOnly)
                {
                    (options.SkipNegotiation, options.Transports) = (true, HttpTransportType.WebSockets);
                }
            })
            .AddMessagePackProtocol()
            .Build();
        try
        {
            await connection.StartAsync(_abort.Token);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>An interval's samples at 50 Hz, device time increasing from batch to batch; strength k scores ⌊10·5k⌋ points a sample.</summary>
    private MotionBatch Batch(GameClient.JoinedPlayer player, long seq, int strength) => new()
    {
        GameId = player.GameId,
        PlayerId = player.PlayerId,
        Seq = seq,
        Samples = Enumerable.Range(0, _samplesPerBatch)
            .Select(i => new MotionSample { T = seq * 1000 + i * 20, X = MotionScoring.Gravity + 5 * strength })
            .ToList(),
    };
}
