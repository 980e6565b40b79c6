using System.Formats.Cbor;
using System.Text;
using System.Text.Json;
using Game.Server.Ingest.Kinesis;

namespace Game.Tests.Ingest.Kinesis;

public sealed class KinesisCborTests
{
    [Fact]
    public void ToJson_PutRecordsRequest_GivesBase64DataAndPlainMembers()
    {
        var writer = new CborWriter();
        writer.WriteStartMap(2);
        writer.WriteTextString("StreamName");
        writer.WriteTextString("motion");
        writer.WriteTextString("Records");
        writer.WriteStartArray(1);
        writer.WriteStartMap(2);
        writer.WriteTextString("Data");
        writer.WriteByteString([1, 2, 255]);
        writer.WriteTextString("PartitionKey");
        writer.WriteTextString("player-1");
        writer.WriteEndMap();
        writer.WriteEndArray();
        writer.WriteEndMap();

        var json = Encoding.UTF8.GetString(KinesisCbor.ToJson(writer.Encode()));

        Assert.Equal("""{"StreamName":"motion","Records":[{"Data":"AQL/","PartitionKey":"player-1"}]}""", json);
    }

    [Fact]
    public void ToJson_TaggedTimestampAndIndefiniteLengths_GivesEpochSecondsAndWholeValues()
    {
        var writer = new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false);
        writer.WriteStartMap(null);
        writer.WriteTextString("Timestamp");
        writer.WriteTag(CborTag.UnixTimeSeconds);
        writer.WriteDouble(1764331200.5);
        writer.WriteTextString("Limit");
        writer.WriteInt32(25);
        writer.WriteTextString("ShardId");
        writer.WriteStartIndefiniteLengthTextString();
        writer.WriteTextString("shardId-");
        writer.WriteTextString("000000000001");
        writer.WriteEndIndefiniteLengthTextString();
        writer.WriteEndMap();

        var json = Encoding.UTF8.GetString(KinesisCbor.ToJson(writer.Encode()));

        Assert.Equal("""{"Timestamp":1764331200.5,"Limit":25,"ShardId":"shardId-000000000001"}""", json);
    }

    [Theory]
    [InlineData(new byte[] { 0xa1 })]
    [InlineData(new byte[] { 0xa1, 0x01, 0x02 })]
    [InlineData(new byte[] { 0xa0, 0xa0 })]
    [InlineData(new byte[] { 0xff })]
    public void ToJson_MalformedCbor_IsSerializationException(byte[] cbor) =>
        Assert.Equal("SerializationException", Assert.Throws<KinesisException>(() => KinesisCbor.ToJson(cbor)).ErrorType);

    [Fact]
    public void FromJson_GetRecordsResponse_GivesByteStringDataAndTaggedTimestamps()
    {
        var cbor = KinesisCbor.FromJson("""
            {"Records":[{"SequenceNumber":"49","ApproximateArrivalTimestamp":1764331200.123,"Data":"AQL/","PartitionKey":"p"}],"MillisBehindLatest":0}
            """u8);

        var reader = new CborReader(cbor);
        Assert.Equal(2, reader.ReadStartMap());
        Assert.Equal("Records", reader.ReadTextString());
        Assert.Equal(1, reader.ReadStartArray());
        Assert.Equal(4, reader.ReadStartMap());
        Assert.Equal("SequenceNumber", reader.ReadTextString());
        Assert.Equal("49", reader.ReadTextString());
        Assert.Equal("ApproximateArrivalTimestamp", reader.ReadTextString());
        Assert.Equal(CborTag.UnixTimeSeconds, reader.ReadTag());
        Assert.Equal(1764331200.123, reader.ReadDouble());
        Assert.Equal("Data", reader.ReadTextString());
        Assert.Equal(new byte[] { 1, 2, 255 }, reader.ReadByteString());
        Assert.Equal("PartitionKey", reader.ReadTextString());
        Assert.Equal("p", reader.ReadTextString());
        reader.ReadEndMap();
        reader.ReadEndArray();
        Assert.Equal("MillisBehindLatest", reader.ReadTextString());
        Assert.Equal(0, reader.ReadInt64());
        reader.ReadEndMap();
        Assert.Equal(CborReaderState.Finished, reader.PeekState());
    }

    [Fact]
    public void FromJson_ThenToJson_RoundTripsAnError()
    {
        var json = """{"__type":"ResourceNotFoundException","message":"Stream x under account 000000000000 not found."}""";

        var back = KinesisCbor.ToJson(KinesisCbor.FromJson(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(json, Encoding.UTF8.GetString(back));
        using var document = JsonDocument.Parse(back);
        Assert.Equal("ResourceNotFoundException", document.RootElement.GetProperty("__type").GetString());
    }
}
