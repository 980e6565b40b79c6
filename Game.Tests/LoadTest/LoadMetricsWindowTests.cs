using LoadTest.Reporting;

namespace Game.Tests.LoadTest;

/// <summary>
/// Which window a measurement lands in: the batch's first send (a frame's arrival) decides, against the steady
/// window's start. Timestamps at 1,000 ticks a second; sending starts at tick 1,000 with a 2 s ramp-up, so the
/// steady window begins at tick 3,000.
/// </summary>
public sealed class LoadMetricsWindowTests
{
    private const long Frequency = 1000;
    private const long SteadyStart = 3000;

    private static LoadMetrics Metrics()
    {
        var metrics = new LoadMetrics();
        metrics.BeginWindow(start: 1000, TimeSpan.FromSeconds(2), Frequency);
        return metrics;
    }

    [Fact]
    public void WindowOf_BeforeAndFromTheRampUpsEnd_IsRampUpThenSteady()
    {
        var metrics = Metrics();

        Assert.Equal(LoadWindow.RampUp, metrics.WindowOf(1000));
        Assert.Equal(LoadWindow.RampUp, metrics.WindowOf(SteadyStart - 1));
        Assert.Equal(LoadWindow.Steady, metrics.WindowOf(SteadyStart));
        Assert.Equal(LoadWindow.RampUp, new LoadMetrics().WindowOf(long.MaxValue - 1));
    }

    [Fact]
    public void Acked_BySendTime_CountsRatesAndPercentilesInTheSameWindow()
    {
        var metrics = Metrics();

        metrics.Acked(5, sentAt: SteadyStart - 1, TimeSpan.FromMilliseconds(300));
        metrics.Acked(5, sentAt: SteadyStart, TimeSpan.FromMilliseconds(20));
        metrics.Acked(4, sentAt: SteadyStart + 5000, TimeSpan.FromMilliseconds(30));

        Assert.Equal(3, metrics.BatchesAcked);
        Assert.Equal(2, metrics.SteadyBatchesAcked);
        Assert.Equal(9, metrics.SteadySamplesAcked);
        Assert.Equal(1, metrics.RampUp.Ack.TotalCount);
        Assert.Equal(2, metrics.Steady.Ack.TotalCount);
        // The ramp-up's slow ack stays out of the steady percentiles.
        Assert.Equal(30, LatencySummary.From(metrics.Steady.Ack).MaxMs, 1);
        Assert.Equal(300, LatencySummary.From(metrics.RampUp.Ack).MaxMs, 0);
    }

    [Fact]
    public void Displayed_ARampUpBatchShownInTheSteadyWindow_CountsWithTheRampUpAndNotInTheLiveSecond()
    {
        var metrics = Metrics();

        // Sent 100 ms before the steady window, displayed 250 ms later (inside it).
        metrics.Displayed(sentAt: SteadyStart - 100, TimeSpan.FromMilliseconds(250));
        Assert.Equal(1, metrics.RampUp.EndToEnd.TotalCount);
        Assert.Equal(0, metrics.Steady.EndToEnd.TotalCount);
        Assert.Equal(0, metrics.RecentEndToEnd.TotalCount);

        // Sent and displayed within the ramp-up: the live second of the ramp-up shows it.
        metrics.Displayed(sentAt: 1500, TimeSpan.FromMilliseconds(50));
        Assert.Equal(2, metrics.RampUp.EndToEnd.TotalCount);
        Assert.Equal(1, metrics.RecentEndToEnd.TotalCount);

        metrics.Displayed(sentAt: SteadyStart + 10, TimeSpan.FromMilliseconds(80));
        Assert.Equal(1, metrics.Steady.EndToEnd.TotalCount);
        Assert.Equal(2, metrics.RecentEndToEnd.TotalCount);
    }

    [Fact]
    public void AckAndSampleWaitAndFrameDelivery_LandInTheWindowOfTheirTimestamp()
    {
        var metrics = Metrics();

        // An ack sent in the ramp-up and completed in the steady window is not in the live steady second either.
        metrics.Acked(1, sentAt: SteadyStart - 10, TimeSpan.FromMilliseconds(100));
        metrics.SampleWaited(sentAt: SteadyStart - 10, TimeSpan.FromMilliseconds(100));
        metrics.SampleWaited(sentAt: SteadyStart, TimeSpan.FromMilliseconds(100));
        metrics.FrameDelivered(arrivedAt: SteadyStart - 1, TimeSpan.FromMilliseconds(5));
        metrics.FrameDelivered(arrivedAt: SteadyStart + 1, TimeSpan.FromMilliseconds(5));
        metrics.FrameDelivered(arrivedAt: SteadyStart + 2, TimeSpan.FromMilliseconds(5));

        Assert.Equal(0, metrics.RecentAck.TotalCount);
        Assert.Equal(1, metrics.RampUp.SampleWait.TotalCount);
        Assert.Equal(1, metrics.Steady.SampleWait.TotalCount);
        Assert.Equal(1, metrics.RampUp.FrameDelivery.TotalCount);
        Assert.Equal(2, metrics.Steady.FrameDelivery.TotalCount);
    }

    [Fact]
    public void Acked_BeforeTheWindowBegins_IsRampUp()
    {
        var metrics = new LoadMetrics();

        metrics.Acked(3, sentAt: 42, TimeSpan.FromMilliseconds(1));

        Assert.Equal(1, metrics.RampUp.Ack.TotalCount);
        Assert.Equal(0, metrics.SteadyBatchesAcked);
    }
}
