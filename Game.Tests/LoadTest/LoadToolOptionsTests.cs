using LoadTest.Options;

namespace Game.Tests.LoadTest;

public sealed class LoadToolOptionsTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("20s", 20_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("0.5m", 30_000)]
    [InlineData(" 10s ", 10_000)]
    [InlineData("0s", 0)]
    public void DurationParser_NumberWithUnit_ParsesToMilliseconds(string text, long milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("s")]
    [InlineData("-1s")]
    [InlineData("5h")]
    [InlineData("1,5s")]
    [InlineData("10 s")]
    [InlineData("ten seconds")]
    [InlineData(null)]
    public void DurationParser_WithoutAValidUnit_IsRefused(string? text)
    {
        Assert.False(DurationParser.TryParse(text, out _));
        Assert.Throws<FormatException>(() => DurationParser.Parse(text ?? ""));
    }

    [Fact]
    public void DurationParser_BareNumberWithDefaultUnit_UsesThatUnit()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(100), DurationParser.Parse("100", bareUnit: "ms"));
        Assert.Equal(TimeSpan.FromSeconds(2), DurationParser.Parse("2s", bareUnit: "ms"));
    }

    [Theory]
    [InlineData(20_000, "20s")]
    [InlineData(120_000, "2m")]
    [InlineData(1_500, "1500ms")]
    public void DurationParser_Format_RoundTrips(long milliseconds, string text)
    {
        Assert.Equal(text, DurationParser.Format(TimeSpan.FromMilliseconds(milliseconds)));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), DurationParser.Parse(text));
    }

    [Fact]
    public void Parse_NoArguments_GivesTheDocumentedDefaultsAndTheKeyFromTheEnvironment()
    {
        var options = LoadOptionsParser.Parse([], name => name == LoadOptionsParser.PresenterKeyVariable ? "from-env" : null);

        Assert.Equal(new Uri("http://127.0.0.1:5000"), options.Url);
        Assert.Equal("from-env", options.PresenterKey);
        Assert.Equal(50, options.Phones);
        Assert.Equal(50, options.Hz);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.SendInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Duration);
        Assert.Equal(TimeSpan.FromSeconds(2), options.RampUp);
        Assert.Equal(1, options.Presenters);
        Assert.Null(options.ReportDirectory);
        Assert.False(options.Baseline);
        Assert.Equal(Via.Hub, options.Via);
        Assert.Equal("motion", options.StreamName);
        Assert.Equal(("AKIDGAMELOCAL", "game-local-secret"), (options.AccessKeyId, options.SecretAccessKey));
        Assert.False(options.CompareBaseline);
        Assert.Equal(5, options.SamplesPerBatch);
        Assert.Equal(PhoneClient.Raw, options.Client);
    }

    [Fact]
    public void Parse_Client_TakesRawOrSignalROnly()
    {
        Assert.Equal(PhoneClient.SignalR, LoadOptionsParser.Parse(["--presenter-key", "k", "--client", "signalr"], NoEnvironment).Client);
        Assert.Equal(PhoneClient.Raw, LoadOptionsParser.Parse(["--presenter-key", "k", "--client=raw"], NoEnvironment).Client);
        var refused = Assert.Throws<OptionsException>(() => LoadOptionsParser.Parse(["--presenter-key", "k", "--client", "grpc"], NoEnvironment));
        Assert.Equal("--client must be raw or signalr, not 'grpc'.", refused.Message);
    }

    [Fact]
    public void Parse_ViaKinesis_TakesTheKeysFromTheCommandLineOverTheEnvironment()
    {
        var environment = new Dictionary<string, string>
        {
            [LoadOptionsParser.PresenterKeyVariable] = "k",
            [LoadOptionsParser.AccessKeyIdVariable] = "AKIDFROMENV",
            [LoadOptionsParser.SecretAccessKeyVariable] = "secret-from-env",
        };

        var fromEnvironment = LoadOptionsParser.Parse(["--via", "kinesis"], environment.GetValueOrDefault);
        var fromFlags = LoadOptionsParser.Parse(["--via=kinesis", "--stream", "other", "--access-key-id", "AKIDFLAG", "--secret-access-key", "s"], environment.GetValueOrDefault);

        Assert.Equal((Via.Kinesis, "motion", "AKIDFROMENV", "secret-from-env"), (fromEnvironment.Via, fromEnvironment.StreamName, fromEnvironment.AccessKeyId, fromEnvironment.SecretAccessKey));
        Assert.Equal((Via.Kinesis, "other", "AKIDFLAG", "s"), (fromFlags.Via, fromFlags.StreamName, fromFlags.AccessKeyId, fromFlags.SecretAccessKey));
    }

    [Fact]
    public void Parse_CompareBaselineAndPlain_AreFlags()
    {
        var options = LoadOptionsParser.Parse(["--presenter-key", "k", "--compare-baseline", "--plain"], NoEnvironment);

        Assert.True(options.CompareBaseline);
        Assert.True(options.Plain);
    }

    [Fact]
    public void Parse_EveryOption_IsRead()
    {
        var options = LoadOptionsParser.Parse(
            ["--url", "http://127.0.0.1:5055", "--presenter-key=k", "--phones", "7", "--hz", "20", "--send-ms", "250", "--duration", "2m",
             "--ramp-up", "500ms", "--presenters", "3", "--report", "out", "--seed", "42", "--max-error-rate", "0.05"],
            name => "from-env");

        Assert.Equal(new Uri("http://127.0.0.1:5055"), options.Url);
        Assert.Equal("k", options.PresenterKey);
        Assert.Equal(7, options.Phones);
        Assert.Equal(20, options.Hz);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.SendInterval);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Duration);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.RampUp);
        Assert.Equal(3, options.Presenters);
        Assert.Equal("out", options.ReportDirectory);
        Assert.Equal(42, options.Seed);
        Assert.Equal(0.05, options.MaxErrorRate);
        Assert.Equal(5, options.SamplesPerBatch);
    }

    [Fact]
    public void SamplesCapturedBy_FractionalRate_BatchesAlternateSizesWithoutDrift()
    {
        var options = new LoadOptions { Hz = 50, SendInterval = TimeSpan.FromMilliseconds(50) };
        long Batch(int k) => options.SamplesCapturedBy(options.SendInterval * k) - options.SamplesCapturedBy(options.SendInterval * (k - 1));

        Assert.Equal(2.5, options.SamplesPerBatch);
        Assert.Equal([2, 3, 2, 3], Enumerable.Range(1, 4).Select(Batch));
        Assert.Equal(50 * 60, Enumerable.Range(1, 20 * 60).Sum(Batch));
    }

    [Fact]
    public void SamplesCapturedBy_LateSend_CarriesWhatTheSensorProducedMeanwhile()
    {
        var options = new LoadOptions { Hz = 60, SendInterval = TimeSpan.FromMilliseconds(100) };

        Assert.Equal(0, options.SamplesCapturedBy(TimeSpan.Zero));
        Assert.Equal(6, options.SamplesCapturedBy(TimeSpan.FromMilliseconds(100)));
        // An ack 150 ms late: the next batch holds 250 ms of samples.
        Assert.Equal(15, options.SamplesCapturedBy(TimeSpan.FromMilliseconds(350)) - options.SamplesCapturedBy(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void Parse_BaselineWithoutKey_IsAccepted()
    {
        var options = LoadOptionsParser.Parse(["--baseline", "--phones", "3"], NoEnvironment);

        Assert.True(options.Baseline);
        Assert.Equal(3, options.Phones);
    }

    [Theory]
    [InlineData("--phones", "10")] // no presenter key
    [InlineData("--presenter-key", "k", "--hz", "101")] // samples closer than 10 ms would be dropped as too frequent
    [InlineData("--presenter-key", "k", "--hz", "100", "--send-ms", "5s")] // 500 samples in a batch, over the limit
    [InlineData("--presenter-key", "k", "--hz", "10", "--send-ms", "50ms")] // half a sample per batch
    [InlineData("--presenter-key", "k", "--duration", "20")] // no unit
    [InlineData("--presenter-key", "k", "--duration", "0s")]
    [InlineData("--presenter-key", "k", "--duration", "61m")] // longer than a round may be
    [InlineData("--presenter-key", "k", "--phones")] // no value
    [InlineData("--presenter-key", "k", "--phones", "many")]
    [InlineData("--presenter-key", "k", "--frobnicate")]
    [InlineData("--presenter-key", "k", "--baseline=yes")]
    [InlineData("--presenter-key", "k", "--via", "sqs")]
    [InlineData("--presenter-key", "k", "--via", "1")]
    [InlineData("--via", "kinesis", "--baseline")] // the baseline is a hub
    [InlineData("--presenter-key", "k", "--via", "kinesis", "--idle")]
    [InlineData("--presenter-key", "k", "--compare-baseline", "--find-max")]
    [InlineData("--presenter-key", "k", "--compare-baseline", "--baseline")]
    public void Parse_BadCommandLine_ThrowsOptionsException(params string[] args)
    {
        Assert.Throws<OptionsException>(() => LoadOptionsParser.Parse(args, NoEnvironment));
    }

    [Fact]
    public void FileLimits_ProcLimitsFile_GivesTheSoftLimit()
    {
        string[] lines =
        [
            "Limit                     Soft Limit           Hard Limit           Units     ",
            "Max processes             unlimited            unlimited            processes ",
            "Max open files            20000                20000                files     ",
        ];

        Assert.Equal(20_000, FileLimits.Parse(lines));
        Assert.Null(FileLimits.Parse(["Max open files            unlimited            unlimited            files"]));
        // This machine's own (Linux) limit is readable, and .NET has raised the soft limit to at least a few thousand.
        Assert.True(FileLimits.OpenFiles() is null or > 1_000);
    }

    [Theory]
    [InlineData(Via.Hub, 19_000, 20_000, false)]
    [InlineData(Via.Hub, 19_900, 20_000, true)]
    [InlineData(Via.Kinesis, 19_900, 20_000, false)] // a shared producer: a few connections for any number of phones
    public void FileLimits_PhonesBeyondTheLimit_AreAProblemBeforeAnyConnects(Via via, int phones, long limit, bool problem)
    {
        var options = new LoadOptions { Via = via, Phones = phones, PresenterKey = "k" };

        var text = FileLimits.Problem(options, limit);

        Assert.Equal(problem, text is not null);
        if (problem)
        {
            Assert.Contains("20,000", text);
        }
    }
}
