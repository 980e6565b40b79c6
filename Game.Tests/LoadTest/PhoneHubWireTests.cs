using System.Buffers;
using Game.Functions.Contracts;
using LoadTest.Phones;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Game.Tests.LoadTest;

/// <summary>The load tool's hand-written phone frames against the SignalR MessagePack protocol's own.</summary>
public sealed class PhoneHubWireTests
{
    private static readonly MessagePackHubProtocol Protocol = new();

    public static TheoryData<int, long> Batches => new()
    {
        { 1, 1 },
        { 10, 17 },
        // Over 127 bytes and over 16 KB: two- and three-byte length prefixes.
        { 200, 12_345_678_901 },
        { 400, 999 },
    };

    [Theory]
    [MemberData(nameof(Batches))]
    public void WriteSendMotion_AnyBatch_WritesTheBytesTheSignalRProtocolWrites(int samples, long invocationId)
    {
        var batch = Batch(samples, seq: invocationId * 3);
        var buffer = new FrameBuffer(64);

        var start = PhoneHubWire.WriteSendMotion(buffer, invocationId, batch);

        Assert.Equal(Expected(new InvocationMessage(invocationId.ToString(System.Globalization.CultureInfo.InvariantCulture), PhoneHubMethods.SendMotion, [batch])), buffer.Array[start..buffer.End]);
        Assert.True(start >= PhoneSocket.MaxHeader);
    }

    [Theory]
    [MemberData(nameof(Batches))]
    public void WriteSendMotion_SamplesKeptAsValues_WritesTheBytesTheSignalRProtocolWritesForTheSameSamples(int samples, long invocationId)
    {
        var values = new MotionGenerator(seed: 3, phoneIndex: 9, sampleIntervalMs: 20).NextInto(new SampleBatch(), samples);
        var batch = Batch(samples, seq: invocationId) with { Samples = values };
        var buffer = new FrameBuffer(64);

        var start = PhoneHubWire.WriteSendMotion(buffer, invocationId, batch);

        var asObjects = batch with { Samples = new MotionGenerator(seed: 3, phoneIndex: 9, sampleIntervalMs: 20).Next(samples) };
        Assert.Equal(Expected(new InvocationMessage(invocationId.ToString(System.Globalization.CultureInfo.InvariantCulture), PhoneHubMethods.SendMotion, [asObjects])), buffer.Array[start..buffer.End]);
    }

    [Fact]
    public void WritePing_WritesTheProtocolsPing()
    {
        var buffer = new FrameBuffer();

        var start = PhoneHubWire.WritePing(buffer);

        Assert.Equal(Expected(PingMessage.Instance), buffer.Array[start..buffer.End]);
    }

    [Fact]
    public void WriteSendMotion_AfterTheFirst_AllocatesNothing()
    {
        var batch = Batch(10, seq: 5);
        var buffer = new FrameBuffer();
        PhoneHubWire.WriteSendMotion(buffer, 1, batch);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var id = 2; id < 1002; id++)
        {
            PhoneHubWire.WriteSendMotion(buffer, id, batch);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Read_CompletionWithAnAck_GivesItsIdAndAck()
    {
        var ack = new MotionAck { Seq = 42, Accepted = true };

        var frame = ReadOne(CompletionMessage.WithResult("1234", ack));

        Assert.Equal(new HubFrame(HubFrameKind.Completion, 1234, ack, null, false), frame);
    }

    [Fact]
    public void Read_AckWithAStanding_SaysSoWithoutDecodingIt()
    {
        var ack = new MotionAck { Seq = 7, Accepted = true, Standing = new PhoneStanding { GameId = "G", PlayerId = "p", Phase = GamePhase.Running, Score = 99, Rank = 2 } };

        var frame = ReadOne(CompletionMessage.WithResult("8", ack));

        Assert.Equal(new HubFrame(HubFrameKind.Completion, 8, ack with { Standing = null }, null, true), frame);
    }

    [Fact]
    public void Read_RefusingAck_GivesItsError()
    {
        var ack = new MotionAck { Seq = 3, Accepted = false, Error = "ProvisionedThroughputExceededException" };

        Assert.Equal(new HubFrame(HubFrameKind.Completion, 9, ack, null, false), ReadOne(CompletionMessage.WithResult("9", ack)));
    }

    [Fact]
    public void Read_ErrorCompletion_GivesTheError()
    {
        Assert.Equal(new HubFrame(HubFrameKind.Completion, 5, null, "Too many", false), ReadOne(CompletionMessage.WithError("5", "Too many")));
    }

    [Fact]
    public void Read_StandingPush_IsAStanding()
    {
        var push = new InvocationMessage(nameof(IPhoneClient.Standing), [new PhoneStanding { GameId = "G", PlayerId = "p", Score = 1, Rank = 1 }]);

        Assert.Equal(HubFrameKind.Standing, ReadOne(push).Kind);
    }

    [Fact]
    public void Read_CloseWithError_GivesTheError()
    {
        Assert.Equal(new HubFrame(HubFrameKind.Close, 0, null, "bye", false), ReadOne(new CloseMessage("bye", allowReconnect: false)));
    }

    [Fact]
    public void Read_PingAndOtherInvocations_AreOther()
    {
        Assert.Equal(HubFrameKind.Other, ReadOne(PingMessage.Instance).Kind);
        Assert.Equal(HubFrameKind.Other, ReadOne(new InvocationMessage("Elsewhere", [])).Kind);
    }

    [Fact]
    public void TryTakeMessage_SeveralMessagesAndAPartOfOne_TakesTheWholeOnesAndLeavesThePart()
    {
        var first = Expected(CompletionMessage.WithResult("1", new MotionAck { Seq = 1, Accepted = true }));
        var second = Expected(PingMessage.Instance);
        var third = Expected(CompletionMessage.WithResult("2", new MotionAck { Seq = 2, Accepted = true }));
        ReadOnlySpan<byte> input = [.. first, .. second, .. third[..^3]];

        Assert.True(PhoneHubWire.TryTakeMessage(ref input, out var one));
        Assert.Equal(first[1..], one.ToArray());
        Assert.True(PhoneHubWire.TryTakeMessage(ref input, out var two));
        Assert.Equal(second[1..], two.ToArray());
        Assert.False(PhoneHubWire.TryTakeMessage(ref input, out _));
        Assert.Equal(third.Length - 3, input.Length);
    }

    [Fact]
    public void Mask_AnyLength_IsTheBytewiseXorWithTheKeyAsLaidOutOnTheWire()
    {
        const uint key = 0xA1B2C3D4;
        var keyBytes = BitConverter.GetBytes(key);
        for (var length = 0; length < 40; length++)
        {
            var payload = Enumerable.Range(0, length).Select(i => (byte)(i * 37)).ToArray();
            var masked = payload.ToArray();

            PhoneSocket.Mask(masked, key);

            Assert.Equal(payload.Select((b, i) => (byte)(b ^ keyBytes[i % 4])), masked);
        }
    }

    [Fact]
    public void SendTimes_InOrder_GivesEachSeqsTimeAndNothingBeyond()
    {
        var times = new SendTimes();
        for (var seq = 1L; seq <= 300; seq++)
        {
            times.Add(seq, seq * 1000 + 7);
        }

        Assert.All(Enumerable.Range(1, 300), seq => Assert.True(times.TryGet(seq, out var at) && at == seq * 1000L + 7));
        Assert.False(times.TryGet(0, out _));
        Assert.False(times.TryGet(301, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => times.Add(302, 0));
    }

    private static MotionBatch Batch(int samples, long seq) => new()
    {
        GameId = "ABCDE",
        PlayerId = "p0123456789abcdef",
        Seq = seq,
        Samples = new MotionGenerator(seed: 3, phoneIndex: 9, sampleIntervalMs: 20).Next(samples),
    };

    private static byte[] Expected(HubMessage message)
    {
        var writer = new ArrayBufferWriter<byte>();
        Protocol.WriteMessage(message, writer);
        return writer.WrittenSpan.ToArray();
    }

    private static HubFrame ReadOne(HubMessage message)
    {
        ReadOnlySpan<byte> input = Expected(message);
        Assert.True(PhoneHubWire.TryTakeMessage(ref input, out var payload));
        Assert.True(input.IsEmpty);
        return PhoneHubWire.Read(payload.ToArray());
    }
}
