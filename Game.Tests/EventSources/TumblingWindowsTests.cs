using System.Globalization;
using System.Text;
using Game.Functions.Contracts;
using Game.Server.EventSources;
using Game.Server.Ingest;

namespace Game.Tests.EventSources;

/// <summary>A shard's tumbling windows, driven with a counting function and fake time.</summary>
public sealed class TumblingWindowsTests
{
    private static readonly DateTimeOffset Noon = DateTimeOffset.Parse("2026-11-28T12:00:00Z", CultureInfo.InvariantCulture);
    private static readonly TimeSpan Size = TimeSpan.FromSeconds(10);

    private readonly InstantDelays _time = new(Noon.AddSeconds(1));
    private readonly CountingTarget _target = new();
    private long _next;

    private List<StreamRecord> Records(int count, DateTimeOffset arrival) =>
        Enumerable.Range(0, count)
            .Select(_ => new StreamRecord(SequenceNumber.Format(0, ++_next), "p", Encoding.UTF8.GetBytes($"{_next}"), arrival))
            .ToList();

    private TumblingWindows Windows(int maximumRetryAttempts = -1) =>
        new(new EventSourceMappingOptions { TumblingWindowInSeconds = (int)Size.TotalSeconds, MaximumRetryAttempts = maximumRetryAttempts }, _target, _time);

    [Fact]
    public async Task Process_TwoBatchesInOneWindow_CarriesTheStateAndInvokesNoFinalYet()
    {
        var windows = Windows();

        await windows.ProcessAsync(Records(2, Noon.AddSeconds(1)), CancellationToken.None);
        await windows.ProcessAsync(Records(3, Noon.AddSeconds(4)), CancellationToken.None);

        Assert.Equal([(2, "0", false), (3, "2", false)], _target.Calls.Select(c => (c.Records.Count, Count(c.Window.State), c.Window.IsFinal)));
        Assert.All(_target.Calls, c => Assert.Equal((Noon, Noon + Size), (c.Window.Start, c.Window.End)));
        Assert.Equal("5", windows.Open!.State["count"]);
    }

    [Fact]
    public async Task Process_BatchCrossingABoundary_EndsTheFirstWindowBeforeTheSecondStarts()
    {
        var windows = Windows();

        await windows.ProcessAsync([.. Records(2, Noon.AddSeconds(8)), .. Records(1, Noon.AddSeconds(12))], CancellationToken.None);

        Assert.Equal(
            [(Noon, 2, "0", false), (Noon, 0, "2", true), (Noon + Size, 1, "0", false)],
            _target.Calls.Select(c => (c.Window.Start, c.Records.Count, Count(c.Window.State), c.Window.IsFinal)));
        Assert.Equal(Noon + Size, windows.Open!.Start);
    }

    [Fact]
    public async Task TimeLeft_FollowsTheOpenWindowsEnd()
    {
        var windows = Windows();
        Assert.Equal(Timeout.InfiniteTimeSpan, windows.TimeLeft);

        await windows.ProcessAsync(Records(1, Noon.AddSeconds(1)), CancellationToken.None);
        Assert.Equal(TimeSpan.FromSeconds(9), windows.TimeLeft);

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.Zero, windows.TimeLeft);
    }

    [Fact]
    public async Task Close_OpenWindow_InvokesTheFinalWithTheStateAndNoRecords()
    {
        var windows = Windows();
        await windows.ProcessAsync(Records(4, Noon.AddSeconds(1)), CancellationToken.None);

        await windows.CloseAsync(CancellationToken.None);

        var final = _target.Calls[^1];
        Assert.Equal((0, "4", true, false), (final.Records.Count, Count(final.Window.State), final.Window.IsFinal, final.Window.TerminatedEarly));
        Assert.Null(windows.Open);
        Assert.Equal(Timeout.InfiniteTimeSpan, windows.TimeLeft);
    }

    [Fact]
    public async Task Close_NoWindowOpen_InvokesNothing()
    {
        await Windows().CloseAsync(CancellationToken.None);

        Assert.Empty(_target.Calls);
    }

    [Fact]
    public async Task Process_StateGrowsPastTheLimit_EndsTheWindowEarly()
    {
        var windows = Windows();
        _target.Padding = TumblingWindow.MaxStateBytes;

        await windows.ProcessAsync(Records(1, Noon.AddSeconds(1)), CancellationToken.None);

        var final = _target.Calls[^1];
        Assert.Equal((true, true), (final.Window.IsFinal, final.Window.TerminatedEarly));
        Assert.Null(windows.Open);
    }

    [Fact]
    public async Task Process_FunctionFails_KeepsTheStateItHadAndRetries()
    {
        var windows = Windows();
        await windows.ProcessAsync(Records(2, Noon.AddSeconds(1)), CancellationToken.None);
        _target.FailNext = 1;

        await _time.RunAsync(windows.ProcessAsync(Records(1, Noon.AddSeconds(2)), CancellationToken.None));

        Assert.Equal([("0", false), ("2", true), ("2", false)], _target.Calls.Select(c => (Count(c.Window.State), c.Failed)));
        Assert.Equal("3", windows.Open!.State["count"]);
    }

    [Fact]
    public async Task Close_FinalKeepsFailing_GivesUpAfterMaximumRetryAttempts()
    {
        var windows = Windows(maximumRetryAttempts: 2);
        await windows.ProcessAsync(Records(1, Noon.AddSeconds(1)), CancellationToken.None);
        _target.FailNext = int.MaxValue;

        await _time.RunAsync(windows.CloseAsync(CancellationToken.None));

        Assert.Equal(3, _target.Calls.Count(c => c.Window.IsFinal));
        Assert.Null(windows.Open);
    }

    private static string Count(IReadOnlyDictionary<string, string> state) => state.TryGetValue("count", out var count) ? count : "0";

    /// <summary>A window function that counts records in its state (optionally padded to grow it), failing on request.</summary>
    private sealed class CountingTarget : IWindowedShardTarget
    {
        public List<(IReadOnlyList<StreamRecord> Records, WindowInput Window, bool Failed)> Calls { get; } = [];

        public int FailNext { get; set; }

        public int Padding { get; set; }

        public Task<InvocationResult> InvokeWindowAsync(IReadOnlyList<StreamRecord> records, WindowInput window, CancellationToken cancellationToken)
        {
            if (FailNext > 0)
            {
                FailNext--;
                Calls.Add((records, window, true));
                return Task.FromResult(new InvocationResult { Error = "boom" });
            }

            Calls.Add((records, window, false));
            var count = int.Parse(Count(window.State), CultureInfo.InvariantCulture) + records.Count;
            var state = new Dictionary<string, string> { ["count"] = count.ToString(CultureInfo.InvariantCulture) };
            if (Padding > 0)
            {
                state["padding"] = new string('x', Padding);
            }

            return Task.FromResult(new InvocationResult { Succeeded = true, WindowState = state });
        }

        public Task<InvocationResult> InvokeAsync(int lane, IReadOnlyList<StreamRecord> records, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("A window function is invoked with its window.");

        public Task DeliverFailureAsync(FailedRecords failed, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"Nothing should fail for good here: {failed.Condition}");
    }
}
