using Game.Functions.Runtime;

namespace Game.Tests.Runtime;

/// <summary>Lambda's REPORT line, field for field, and how Max Memory Used rounds.</summary>
public sealed class FunctionReportTests
{
    [Fact]
    public void Report_ColdStart_HasEveryLambdaFieldInOrderWithInitDurationLast()
    {
        var report = FunctionEnvironment.Report("3604209a-e9a3-11e6-939a-754dd98c7be3", TimeSpan.FromMicroseconds(12_341), 256, 18, TimeSpan.FromMicroseconds(120_814));

        Assert.Equal(
            "REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 18 MB\tInit Duration: 120.81 ms",
            report);
    }

    [Fact]
    public void Report_Warm_HasNoInitDuration()
    {
        Assert.Equal(
            "REPORT RequestId: r\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB",
            FunctionEnvironment.Report("r", TimeSpan.FromMilliseconds(2), 128, 1, null));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(1024 * 1024, 1)]
    [InlineData((1024 * 1024) + 1, 2)]
    [InlineData(300L * 1024 * 1024, 300)]
    public void MaxMemoryUsed_RoundsAllocatedBytesUpToWholeMegabytesAtLeastOne(long bytes, long megabytes)
    {
        Assert.Equal(megabytes, FunctionEnvironment.MaxMemoryUsedMegabytes(bytes));
    }
}
