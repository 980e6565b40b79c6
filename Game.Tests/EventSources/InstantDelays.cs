using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.EventSources;

/// <summary>
/// Fake time that moves forward exactly as far as each delay asks, as soon as it is asked, while
/// <see cref="RunAsync{T}"/> drives the work: retries with backoff run at once, and the clock then shows the time
/// they would have taken.
/// </summary>
internal sealed class InstantDelays(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Channel<TimeSpan> _requested = Channel.CreateUnbounded<TimeSpan>();
    private Task<TimeSpan>? _next;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            _requested.Writer.TryWrite(dueTime);
        }

        return timer;
    }

    /// <summary>Awaits <paramref name="work"/>, advancing the clock by each delay it waits on.</summary>
    public async Task<T> RunAsync<T>(Task<T> work)
    {
        while (true)
        {
            _next ??= _requested.Reader.ReadAsync().AsTask();
            if (await Task.WhenAny(work, _next) == work)
            {
                return await work;
            }

            var delay = await _next;
            _next = null;
            Advance(delay);
        }
    }

    /// <inheritdoc cref="RunAsync{T}"/>
    public Task RunAsync(Task work) => RunAsync(Completed(work));

    private static async Task<bool> Completed(Task work)
    {
        await work;
        return true;
    }
}
