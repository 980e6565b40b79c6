using System.Text;
using Game.Server.Ingest.Kinesis;

namespace Game.Tests.Ingest.Kinesis;

/// <summary>
/// The fast reader takes only plain PutRecords requests, and reads them exactly; everything else is left to the
/// general path (null), which answers it as it always did (<see cref="PutRecordsFastPathTests"/> checks that the two
/// answer alike).
/// </summary>
public sealed class PutRecordsReaderTests
{
    private const int MaxRecordBytes = 40;
    private const int MaxRequestBytes = 100;

    [Fact]
    public void TryRead_PlainRequest_ReadsEveryRecordInOrder()
    {
        var input = Read("""
            { "Records": [ {"Data":"eA==","PartitionKey":"a"}, {"PartitionKey":"bé","Data":"AAEC/w=="}, {"Data":"","PartitionKey":"a"} ],
              "StreamName": "motion" }
            """);

        Assert.NotNull(input);
        Assert.Equal("motion", input.StreamName);
        Assert.Equal(["a", "bé", "a"], input.Records.Select(r => r.PartitionKey));
        Assert.Equal([[(byte)'x'], [0, 1, 2, 255], []], input.Records.Select(r => r.Data.ToArray()));
        Assert.All(input.Records, r => Assert.Null(r.ExplicitHashKey));
    }

    [Fact]
    public void TryRead_AtEveryLimit_Reads()
    {
        // 40 bytes of data, a 256-character key; and 500 records with 100 bytes of data and keys between them.
        var fullRecord = Read(Request(new string('s', 128), [Record(Convert.ToBase64String(new byte[MaxRecordBytes]), new string('k', 256))]), maxRequestBytes: 1000);
        var fullRequest = Read(Request("motion", Enumerable.Repeat(Record("", "k"), 100)));
        var fiveHundred = Read(Request("motion", Enumerable.Repeat(Record("", "k"), 500)), maxRequestBytes: 500);

        Assert.Equal(MaxRecordBytes, fullRecord?.Records.Single().Data.Length);
        Assert.Equal(100, fullRequest?.Records.Count);
        Assert.Equal(500, fiveHundred?.Records.Count);
    }

    [Theory]
    [InlineData("""{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/motion","Records":[{"Data":"eA==","PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a","ExplicitHashKey":"1"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a"}],"Extra":1}""")]
    [InlineData("""{"StreamName":"motion","StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA==","Data":"eA==","PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a"}],"Records":[]}""")]
    [InlineData("""{"StreamName":null,"Records":[{"Data":"eA==","PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":null,"PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA=="}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[]}""")]
    [InlineData("""{"StreamName":"motion","Records":null}""")]
    [InlineData("""{"StreamName":"motion","Records":{"Data":"eA==","PartitionKey":"a"}}""")]
    [InlineData("""{"StreamName":"motion","Records":["eA=="]}""")]
    [InlineData("""{"Records":[{"Data":"eA==","PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"mo tion","Records":[{"Data":"eA==","PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"","Records":[{"Data":"eA==","PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":""}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":7}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA","PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA=\u003d","PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA\/=","PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"e A==","PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"e-A=","PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"\ud800"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"\u0061"}]}""")]
    [InlineData("""{"Stream\u004eame":"motion","Records":[{"Data":"eA==","PartitionKey":"a"}]}""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a"}]} x""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a"}]""")]
    [InlineData("""{"StreamName":"motion","Records":[{"Data":"eA==","PartitionKey":"a"},]}""")]
    [InlineData("""{"StreamName":"motion", /* c */ "Records":[{"Data":"eA==","PartitionKey":"a"}]}""")]
    [InlineData("""[{"StreamName":"motion"}]""")]
    [InlineData("")]
    public void TryRead_AnythingButPlain_LeavesItToTheGeneralPath(string json) =>
        Assert.Null(Read(json));

    [Fact]
    public void TryRead_BeyondALimit_LeavesItToTheGeneralPath()
    {
        var recordTooLarge = Request("motion", [Record(Convert.ToBase64String(new byte[MaxRecordBytes + 1]), "a")]);
        var keyTooLong = Request("motion", [Record("", new string('k', 257))]);
        var nameTooLong = Request(new string('s', 129), [Record("", "k")]);
        // 101 bytes of keys, one over the request's limit.
        var requestTooLarge = Request("motion", Enumerable.Repeat(Record("", "k"), 101));
        var tooMany = Request("motion", Enumerable.Repeat(Record("", "k"), 501));

        Assert.Null(Read(recordTooLarge, maxRequestBytes: 1000));
        Assert.Null(Read(keyTooLong, maxRequestBytes: 1000));
        Assert.Null(Read(nameTooLong));
        Assert.Null(Read(requestTooLarge));
        Assert.Null(Read(tooMany, maxRequestBytes: 1000));
    }

    private static string Request(string streamName, IEnumerable<string> records) =>
        $"{{\"StreamName\":\"{streamName}\",\"Records\":[{string.Join(',', records)}]}}";

    private static string Record(string data, string partitionKey) => $"{{\"Data\":\"{data}\",\"PartitionKey\":\"{partitionKey}\"}}";

    private static PutRecordsInput? Read(string json, int maxRequestBytes = MaxRequestBytes) =>
        PutRecordsReader.TryRead(Encoding.UTF8.GetBytes(json), MaxRecordBytes, maxRequestBytes);
}
