using Game.Tests.Infrastructure;
using LoadTest.Options;
using LoadTest.Reporting;

namespace Game.Tests.LoadTest;

/// <summary>The load tool producing through the Kinesis API (signed PutRecords) against the real server.</summary>
public sealed class LoadToolKinesisTests
{
    [Fact]
    public async Task Run_ViaKinesisWithThrottledShard_ResendsRefusedRecordsAndEveryScoreMatches()
    {
        // One shard allowed 25 records/s while the phones offer 50: PutRecords must refuse some records, each
        // phone resends its own, and the scores must still come out exact.
        await using var server = new ServerProcess(new Dictionary<string, string>
        {
            ["Game:CountdownSeconds"] = "1",
            ["Ingest:ShardCount"] = "1",
            ["Ingest:EnforceShardLimits"] = "true",
            ["Ingest:ShardRecordsPerSecond"] = "25",
        });
        await server.StartAsync();
        var options = new LoadOptions
        {
            Via = Via.Kinesis,
            Phones = 5,
            Hz = 20,
            Duration = TimeSpan.FromSeconds(3),
            RampUp = TimeSpan.FromMilliseconds(500),
            MaxErrorRate = 1,
        };
        var report = await server.RunLoadToolAsync(options);

        var context = ReportWriter.Summary(report) + "\n" + server.Output;
        Assert.True(report.Outcome == Outcome.Passed, context);
        Assert.Equal("kinesis", report.Via);
        Assert.True(report.Errors.GetValueOrDefault("refused:ProvisionedThroughputExceededException") > 0, context);
        Assert.True(report.Verification is { Performed: true, Passed: true, LostPoints: 0, DoubledPoints: 0, PlayersMissing: 0 }, context);
        Assert.All(report.Players, p => Assert.True(p.SamplesAcked > 0 && p.ActualScore == p.ExpectedScore, $"{p.PlayerId}\n{context}"));
        Assert.True(report.KinesisRequests > 0, context);
        Assert.True(report.EndToEnd.Count > 0, context);
    }

    [Fact]
    public async Task Run_ViaKinesisWithAWrongSecret_FailsWithTheSignatureErrorAndScoresNothing()
    {
        await using var server = new ServerProcess();
        await server.StartAsync();
        var options = new LoadOptions
        {
            Via = Via.Kinesis,
            SecretAccessKey = "not-the-servers-secret",
            Phones = 2,
            Duration = TimeSpan.FromSeconds(1),
            RampUp = TimeSpan.Zero,
            AckTimeout = TimeSpan.FromSeconds(1),
        };
        var report = await server.RunLoadToolAsync(options);

        var context = ReportWriter.Summary(report);
        Assert.Equal(Outcome.Failed, report.Outcome);
        Assert.True(report.Errors.GetValueOrDefault("kinesis:InvalidSignatureException") > 0, context);
        Assert.Equal(0, report.Throughput.BatchesAcked);
        Assert.Equal(0, report.Verification.ActualTotal);
    }
}
