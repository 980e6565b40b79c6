using LoadTest.Phones;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.LoadTest;

public sealed class SendClockTests
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(2);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task WaitUntilAsync_CompletesOnTheFirstTickAtOrAfterTheDueTime()
    {
        await using var clock = new SendClock(_time, AckTimeout, CancellationToken.None);
        var wait = clock.WaitUntilAsync(_time.GetTimestamp() + Ticks(TimeSpan.FromMilliseconds(12)));

        _time.Advance(TimeSpan.FromMilliseconds(10));
        await Task.Delay(20);
        Assert.False(wait.IsCompleted);

        _time.Advance(SendClock.Resolution);
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WaitUntilAsync_DueTimePassed_CompletesAtOnce()
    {
        await using var clock = new SendClock(_time, AckTimeout, CancellationToken.None);

        Assert.True(clock.WaitUntilAsync(_time.GetTimestamp()).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitUntilAsync_RunCancelled_IsCancelled()
    {
        using var run = new CancellationTokenSource();
        await using var clock = new SendClock(_time, AckTimeout, run.Token);
        var wait = clock.WaitUntilAsync(_time.GetTimestamp() + Ticks(TimeSpan.FromSeconds(1)));

        await run.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task AckDeadline_CancelsAfterTheAckTimeoutAndAtMostOneSliceMore()
    {
        await using var clock = new SendClock(_time, AckTimeout, CancellationToken.None);
        var deadline = clock.AckDeadline();

        _time.Advance(AckTimeout);
        await Task.Delay(20);
        Assert.False(deadline.IsCancellationRequested);

        for (var waited = TimeSpan.Zero; waited <= SendClock.DeadlineSlice && !deadline.IsCancellationRequested; waited += SendClock.Resolution)
        {
            _time.Advance(SendClock.Resolution);
            await Task.Delay(1);
        }

        await WaitForAsync(() => deadline.IsCancellationRequested);
    }

    [Fact]
    public async Task AckDeadline_SendsInOneSliceShareOneDeadline_TheNextSliceGetsItsOwn()
    {
        await using var clock = new SendClock(_time, AckTimeout, CancellationToken.None);

        var first = clock.AckDeadline();
        Assert.Equal(first, clock.AckDeadline());
        _time.Advance(SendClock.DeadlineSlice);

        Assert.NotEqual(first, clock.AckDeadline());
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }
}
