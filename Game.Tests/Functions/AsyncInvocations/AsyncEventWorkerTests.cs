using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Game.Functions.Runtime;
using Game.Server.Functions.AsyncInvocations;
using Game.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.Functions.AsyncInvocations;

/// <summary>
/// The worker's rules on the embedded store with fake time and a scripted function: retries and their waits, event
/// age, reserved concurrency, the dead letters, and claims between two nodes. Each pass is awaited with its runs, so
/// every count is exact.
/// </summary>
public sealed class AsyncEventWorkerTests : IAsyncLifetime
{
    private const string Function = "flaky";
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("""{"gameId":"ABCDE","playerId":"p1"}""");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly ScriptedInvoker _invoker;
    private readonly Settings _settings = new();
    private readonly AsyncInvocationMetrics _metrics = new();
    private readonly FunctionMetrics _functionMetrics = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private SqliteTestStore _store = null!;
    private AsyncEventQueue _queue = null!;
    private AsyncEventWorker _worker = null!;

    public AsyncEventWorkerTests() => _invoker = new ScriptedInvoker(_time);

    private DateTimeOffset Start { get; } = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private CancellationToken Token => _timeout.Token;

    public async Task InitializeAsync()
    {
        _store = await SqliteTestStore.CreateTemporaryAsync(Token);
        _queue = new AsyncEventQueue(_store.AsyncEvents, _metrics, _time);
        _worker = CreateWorker(_invoker);
    }

    public async Task DisposeAsync()
    {
        _worker.Dispose();
        _metrics.Dispose();
        _functionMetrics.Dispose();
        await _store.DisposeAsync();
        _timeout.Dispose();
    }

    [Fact]
    public async Task FailingEvent_ByDefault_IsRetriedTwiceAfterOneThenTwoMinutesAndDeadLettered()
    {
        _settings.Set(Function, AsyncFunctionSettings.Default);
        _invoker.Script(Function, _ => "Error: boom");
        using var counts = new Counts(_metrics);

        await _queue.AcceptAsync(Function, "request-1", Payload, Token);
        await PassAsync();
        await AdvanceAndPassAsync(TimeSpan.FromSeconds(60) - TimeSpan.FromTicks(1));
        Assert.Single(_invoker.CallsOf(Function));
        await AdvanceAndPassAsync(TimeSpan.FromTicks(1));
        await AdvanceAndPassAsync(TimeSpan.FromSeconds(120) - TimeSpan.FromTicks(1));
        Assert.Equal(2, _invoker.CallsOf(Function).Count);
        await AdvanceAndPassAsync(TimeSpan.FromTicks(1));
        await AdvanceAndPassAsync(TimeSpan.FromHours(1));

        Assert.Equal([Start, Start.AddSeconds(60), Start.AddSeconds(180)], _invoker.CallsOf(Function).Select(c => c.At));
        Assert.All(_invoker.CallsOf(Function), c => Assert.Equal(Payload, c.Payload));
        var deadLetter = Assert.Single(await _store.DeadLetters.ListAsync(Function, Token));
        Assert.Equal(AsyncEventWorker.RetriesExhausted, deadLetter.Condition);
        Assert.Equal(3, deadLetter.Attempts);
        Assert.Equal("Error: boom", deadLetter.Error);
        Assert.Equal("request-1", deadLetter.RequestId);
        Assert.Equal(Payload, deadLetter.Payload);
        Assert.Equal(Start.AddSeconds(180), deadLetter.FailedAt);
        Assert.Empty(await _store.AsyncEvents.ListAsync(Token));
        Assert.Equal(1, counts.Received);
        Assert.Equal(1, counts.Dropped);
        Assert.Equal([0.0, 60_000.0, 180_000.0], counts.Ages);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task FailingEvent_WithMaximumRetryAttempts_RunsThatManyTimesMoreThenDeadLetters(int retries)
    {
        _settings.Set(Function, AsyncFunctionSettings.Default with { MaximumRetryAttempts = retries });
        _invoker.Script(Function, _ => "Error: boom");

        await _queue.AcceptAsync(Function, "request-1", Payload, Token);
        for (var minute = 0; minute < 10; minute++)
        {
            await AdvanceAndPassAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(1 + retries, _invoker.CallsOf(Function).Count);
        Assert.Equal(1 + retries, Assert.Single(await _store.DeadLetters.ListAsync(Function, Token)).Attempts);
    }

    [Fact]
    public async Task EventSucceedingOnItsSecondAttempt_RunsExactlyTwiceAndIsNotDeadLettered()
    {
        _settings.Set(Function, AsyncFunctionSettings.Default);
        _invoker.Script(Function, attempt => attempt == 1 ? "Error: first time" : null);

        await _queue.AcceptAsync(Function, "request-1", Payload, Token);
        for (var minute = 0; minute < 10; minute++)
        {
            await AdvanceAndPassAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(2, _invoker.CallsOf(Function).Count);
        Assert.Empty(await _store.DeadLetters.ListAsync(null, Token));
        Assert.Empty(await _store.AsyncEvents.ListAsync(Token));
    }

    [Fact]
    public async Task EventOlderThanMaximumEventAge_IsNotRetriedButDeadLettered()
    {
        _settings.Set(Function, AsyncFunctionSettings.Default with { MaximumEventAge = TimeSpan.FromSeconds(60) });
        _invoker.Script(Function, _ => "Error: boom");
        using var counts = new Counts(_metrics);

        await _queue.AcceptAsync(Function, "request-1", Payload, Token);
        await PassAsync();
        // The retry falls due at 60 s, when the event is exactly 60 s old: still young enough.
        await AdvanceAndPassAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, _invoker.CallsOf(Function).Count);
        // The next falls due at 180 s.
        await AdvanceAndPassAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(2, _invoker.CallsOf(Function).Count);
        var deadLetter = Assert.Single(await _store.DeadLetters.ListAsync(Function, Token));
        Assert.Equal(AsyncEventWorker.EventAgeExceeded, deadLetter.Condition);
        Assert.Equal(2, deadLetter.Attempts);
        Assert.Equal("Error: boom", deadLetter.Error);
        Assert.Empty(await _store.AsyncEvents.ListAsync(Token));
        Assert.Equal(1, counts.Dropped);
    }

    [Fact]
    public async Task FunctionWithReservedConcurrencyZero_RunsNothingAndTheEventAgesOutUnrun()
    {
        _settings.Set(Function, AsyncFunctionSettings.Default with { MaximumEventAge = TimeSpan.FromSeconds(60), ReservedConcurrentExecutions = 0 });

        await _queue.AcceptAsync(Function, "request-1", Payload, Token);
        for (var second = 0; second <= 61; second++)
        {
            await AdvanceAndPassAsync(TimeSpan.FromSeconds(1));
            if (second == 30)
            {
                Assert.Equal(0, Assert.Single(await _store.AsyncEvents.ListAsync(Token)).Attempts);
            }
        }

        Assert.Empty(_invoker.CallsOf(Function));
        var deadLetter = Assert.Single(await _store.DeadLetters.ListAsync(Function, Token));
        Assert.Equal(AsyncEventWorker.EventAgeExceeded, deadLetter.Condition);
        Assert.Equal(0, deadLetter.Attempts);
        Assert.Null(deadLetter.Error);
    }

    [Fact]
    public async Task ReservedConcurrency_LimitsTheFunctionsEventsRunningAtOnce()
    {
        _settings.Set(Function, AsyncFunctionSettings.Default with { ReservedConcurrentExecutions = 2 });
        var release = new TaskCompletionSource();
        _invoker.Script(Function, _ => null, release.Task);
        for (var i = 0; i < 5; i++)
        {
            await _queue.AcceptAsync(Function, $"request-{i}", Payload, Token);
        }

        var first = await _worker.StartVisibleAsync(Token);
        var second = await _worker.StartVisibleAsync(Token);

        Assert.Equal(2, first.Count);
        Assert.Empty(second);
        release.SetResult();
        await Task.WhenAll(first);
        Assert.Equal(3, (await _store.AsyncEvents.ListAsync(Token)).Count);
    }

    [Fact]
    public async Task TwoNodes_RacingForOneEvent_RunItOnce()
    {
        _settings.Set(Function, AsyncFunctionSettings.Default);
        _invoker.Script(Function, _ => null);
        using var other = CreateWorker(_invoker);

        await _queue.AcceptAsync(Function, "request-1", Payload, Token);
        var started = await Task.WhenAll(_worker.StartVisibleAsync(Token), other.StartVisibleAsync(Token));
        await Task.WhenAll(started.SelectMany(s => s));

        Assert.Equal(1, started.Sum(s => s.Count));
        Assert.Single(_invoker.CallsOf(Function));
        Assert.Empty(await _store.AsyncEvents.ListAsync(Token));
    }

    [Fact]
    public async Task NodeDyingWhileRunning_ItsClaimLapsesAfterTimeoutAndGrace_AndAnotherNodeRunsTheEvent()
    {
        _settings.Set(Function, AsyncFunctionSettings.Default with { Timeout = TimeSpan.FromSeconds(3) });
        var hung = new ScriptedInvoker(_time);
        var neverAnswers = new TaskCompletionSource();
        hung.Script(Function, _ => null, neverAnswers.Task);
        _invoker.Script(Function, _ => null);
        using var dying = CreateWorker(hung);

        await _queue.AcceptAsync(Function, "request-1", Payload, Token);
        // Its one run never ends: the node is as good as dead.
        _ = Assert.Single(await dying.StartVisibleAsync(Token));
        await AdvanceAndPassAsync(TimeSpan.FromSeconds(33) - TimeSpan.FromTicks(1));
        Assert.Empty(_invoker.CallsOf(Function));
        await AdvanceAndPassAsync(TimeSpan.FromTicks(1));

        Assert.Single(_invoker.CallsOf(Function));
        Assert.Empty(await _store.AsyncEvents.ListAsync(Token));
        Assert.Empty(await _store.DeadLetters.ListAsync(null, Token));
    }

    [Fact]
    public async Task EventOfAnUnknownFunction_IsDeadLetteredUnrun()
    {
        await _queue.AcceptAsync("gone", "request-1", Payload, Token);
        await PassAsync();

        var deadLetter = Assert.Single(await _store.DeadLetters.ListAsync("gone", Token));
        Assert.Equal("ResourceNotFoundException: Function not found: gone", deadLetter.Error);
        Assert.Empty(_invoker.CallsOf("gone"));
    }

    [Fact]
    public void RetryDelay_DoublesFromTheConfiguredFirst()
    {
        var options = new AsyncInvocationOptions { RetryDelaySeconds = 0.5 };

        Assert.Equal([TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], new[] { 1, 2, 3 }.Select(options.RetryDelay));
        Assert.Equal(TimeSpan.FromSeconds(60), new AsyncInvocationOptions().RetryDelay(1));
        Assert.Equal(TimeSpan.FromSeconds(120), new AsyncInvocationOptions().RetryDelay(2));
    }

    private AsyncEventWorker CreateWorker(IAsyncFunctionInvoker invoker) => new(
        _store.AsyncEvents, _queue, _settings, invoker, _store.DeadLetters, _metrics, _functionMetrics,
        Options.Create(new AsyncInvocationOptions()), _time, NullLogger<AsyncEventWorker>.Instance);

    private async Task PassAsync() => await Task.WhenAll(await _worker.StartVisibleAsync(Token));

    private async Task AdvanceAndPassAsync(TimeSpan by)
    {
        _time.Advance(by);
        await PassAsync();
    }

    private sealed class Settings : IAsyncFunctionSettings
    {
        private readonly ConcurrentDictionary<string, AsyncFunctionSettings> _byName = new();

        public void Set(string functionName, AsyncFunctionSettings settings) => _byName[functionName] = settings;

        public AsyncFunctionSettings? Of(string functionName) => _byName.GetValueOrDefault(functionName);
    }

    /// <summary>Answers each attempt's outcome from a script (1 for the first attempt), after an optional gate; remembers every call.</summary>
    private sealed class ScriptedInvoker(TimeProvider time) : IAsyncFunctionInvoker
    {
        private readonly ConcurrentDictionary<string, (Func<int, string?> Outcome, Task Gate)> _scripts = new();
        private readonly ConcurrentDictionary<string, ConcurrentQueue<(DateTimeOffset At, byte[] Payload)>> _calls = new();

        public void Script(string functionName, Func<int, string?> outcome, Task? gate = null) =>
            _scripts[functionName] = (outcome, gate ?? Task.CompletedTask);

        public IReadOnlyList<(DateTimeOffset At, byte[] Payload)> CallsOf(string functionName) =>
            _calls.TryGetValue(functionName, out var calls) ? calls.ToArray() : [];

        public async Task<string?> InvokeAsync(string functionName, byte[] payload, CancellationToken cancellationToken)
        {
            var calls = _calls.GetOrAdd(functionName, _ => new());
            calls.Enqueue((time.GetUtcNow(), payload));
            var (outcome, gate) = _scripts[functionName];
            await gate;
            return outcome(calls.Count);
        }
    }

    /// <summary>The metrics of one <see cref="AsyncInvocationMetrics"/> instance (others in parallel tests share its meter's name).</summary>
    private sealed class Counts : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<double> _ages = [];

        public Counts(AsyncInvocationMetrics metrics)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument, metrics.AsyncEventsReceived) || ReferenceEquals(instrument, metrics.AsyncEventsDropped) || ReferenceEquals(instrument, metrics.AsyncEventAge))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                lock (_ages)
                {
                    if (ReferenceEquals(instrument, metrics.AsyncEventsReceived))
                    {
                        Received += value;
                    }
                    else
                    {
                        Dropped += value;
                    }
                }
            });
            _listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
            {
                lock (_ages)
                {
                    _ages.Add(value);
                }
            });
            _listener.Start();
        }

        public long Received { get; private set; }

        public long Dropped { get; private set; }

        public IReadOnlyList<double> Ages
        {
            get
            {
                lock (_ages)
                {
                    return [.. _ages];
                }
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
