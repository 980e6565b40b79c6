using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;

namespace LoadTest.Junk;

/// <summary>
/// A bounded flood of anonymous junk beside an honest run (<c>--junk-rate</c>): the shapes of <see cref="JunkShape.All"/>
/// in turn, at a fixed rate, with at most <see cref="MaxInFlight"/> requests waiting for answers at once. Counts per
/// shape how many were sent and how each was answered, and flags every answer that is not the expected refusal.
/// </summary>
/// <remarks>
/// Bounded twice: by the rate, and by the requests in flight. A request due while <see cref="MaxInFlight"/> are out
/// is not sent but counted as skipped, so a slow server is never buried under a growing queue of the tool's making,
/// and the report says how much of the rate was actually offered.
/// </remarks>
public sealed partial class JunkFlood : IAsyncDisposable
{
    /// <summary>Requests waiting for their answers at most; also the flood's connections at most.</summary>
    public const int MaxInFlight = 64;

    /// <summary>How long one junk request may wait for its answer before it counts as a timeout (and is flagged).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(20);

    private readonly int _ratePerSecond;
    private readonly JunkRequests _requests;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<JunkShape, ShapeCounts> _counts = JunkShape.All.ToDictionary(s => s, _ => new ShapeCounts());
    private readonly Random _random;
    private readonly long _startedAt;
    private long? _stoppedAt;
    private Task? _loop;

    private JunkFlood(int ratePerSecond, JunkRequests requests, int seed, TimeProvider time, ILogger logger)
    {
        _ratePerSecond = ratePerSecond;
        _requests = requests;
        _time = time;
        _logger = logger;
        _random = new Random(seed);
        _startedAt = time.GetTimestamp();
    }

    /// <summary>Starts sending at once; <see cref="StopAsync"/> ends it and returns the counts.</summary>
    /// <param name="url">The server.</param>
    /// <param name="ratePerSecond">Junk requests per second, all shapes together.</param>
    /// <param name="source">The local address to send from (another loopback address makes the junk another client); null: the system's choice.</param>
    /// <param name="honestGameId">The honest run's game, which a made-up code must never hit.</param>
    /// <param name="accessKeyId">The server's real key id: the badly signed requests get past the key check to the signature's.</param>
    /// <param name="seed">Seeds the made-up codes and tokens.</param>
    /// <param name="time">The clock that paces the flood.</param>
    /// <param name="logger">Logs the first unexpected answer of each shape.</param>
    public static JunkFlood Start(Uri url, int ratePerSecond, IPAddress? source, string? honestGameId, string accessKeyId, int seed, TimeProvider time, ILogger logger)
    {
        var flood = new JunkFlood(ratePerSecond, new JunkRequests(url, source, MaxInFlight, Timeout, time, honestGameId, accessKeyId), seed, time, logger);
        flood._loop = Task.Run(flood.RunAsync);
        return flood;
    }

    /// <summary>Junk requests sent so far (all shapes).</summary>
    public long Sent => _counts.Values.Sum(c => Interlocked.Read(ref c.Sent));

    /// <summary>Answers so far that were not the expected refusal (all shapes).</summary>
    public long Unexpected => _counts.Values.Sum(c => Interlocked.Read(ref c.Unexpected));

    private async Task RunAsync()
    {
        var issued = 0L;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                // Due by the clock, not by ticks: a late tick sends what it owes, so the rate holds on a busy machine.
                var due = (long)(_time.GetElapsedTime(_startedAt).TotalSeconds * _ratePerSecond);
                for (; issued < due; issued++)
                {
                    var shape = JunkShape.All[(int)(issued % JunkShape.All.Count)];
                    var counts = _counts[shape];
                    if (!_inFlight.Wait(0))
                    {
                        Interlocked.Increment(ref counts.Skipped);
                        continue;
                    }

                    Interlocked.Increment(ref counts.Sent);
                    _ = SendOneAsync(shape, counts);
                }

                await Task.Delay(Tick, _time, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task SendOneAsync(JunkShape shape, ShapeCounts counts)
    {
        try
        {
            // Each request its own generator: Random is not thread-safe, and the seeds come from one seeded stream.
            Random random;
            lock (_random)
            {
                random = new Random(_random.Next());
            }

            var answer = await _requests.SendAsync(shape, random, CancellationToken.None);
            counts.Answers.AddOrUpdate(answer.Label, 1, (_, n) => n + 1);
            if (answer.Status is not { } status || !shape.Expected.Contains(status))
            {
                if (Interlocked.Increment(ref counts.Unexpected) == 1)
                {
                    LogUnexpected(_logger, shape.Name, answer.Label, shape.ExpectedText);
                }
            }
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>Stops sending, waits for the answers still out (each bounded by <see cref="Timeout"/>), and reports.</summary>
    public async Task<JunkReport> StopAsync()
    {
        if (_loop is { } loop)
        {
            _stoppedAt ??= _time.GetTimestamp();
            await _stop.CancelAsync();
            await loop;
            // Every permit back means every request has its answer counted.
            for (var i = 0; i < MaxInFlight; i++)
            {
                await _inFlight.WaitAsync(Timeout + Timeout);
            }

            _loop = null;
        }

        return Report();
    }

    private JunkReport Report()
    {
        var seconds = _time.GetElapsedTime(_startedAt, _stoppedAt ?? _time.GetTimestamp()).TotalSeconds;
        var shapes = JunkShape.All.Select(shape =>
        {
            var c = _counts[shape];
            return new JunkShapeResult(
                shape.Name,
                shape.Request,
                shape.ExpectedText,
                Interlocked.Read(ref c.Sent),
                Interlocked.Read(ref c.Skipped),
                c.Answers.OrderBy(a => a.Key, StringComparer.Ordinal).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal),
                Interlocked.Read(ref c.Unexpected));
        }).ToList();
        return new JunkReport(_ratePerSecond, Math.Round(seconds, 1), MaxInFlight, shapes);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _requests.Dispose();
        _stop.Dispose();
        _inFlight.Dispose();
    }

    private sealed class ShapeCounts
    {
        public long Sent;
        public long Skipped;
        public long Unexpected;
        public readonly ConcurrentDictionary<string, long> Answers = new(StringComparer.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Junk {Shape} was answered {Answer}, not the expected refusal ({Expected}); further ones are counted, not logged")]
    private static partial void LogUnexpected(ILogger logger, string shape, string answer, string expected);
}
