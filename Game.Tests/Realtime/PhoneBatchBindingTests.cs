using System.Buffers;
using Game.Functions.Contracts;
using Game.Server.Realtime;
using Game.Tests.Infrastructure;
using MessagePack;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Game.Tests.Realtime;

/// <summary>
/// The phone hub binds <c>SendMotion</c>'s argument as a <see cref="PhoneBatch"/> with the server's own MessagePack
/// protocol options (<see cref="RealtimeExtensions.AddRealtime"/>): a batch in the shape phones send keeps its bytes
/// as the stream record, without its samples being decoded; every other shape is bound, defaulted or refused as a
/// <see cref="MotionBatch"/> was before.
/// </summary>
public sealed class PhoneBatchBindingTests
{
    private static readonly MessagePackHubProtocol ServerProtocol = CreateServerProtocol();

    /// <summary>What the SignalR client and the load tool write: SignalR's MessagePack protocol with its defaults.</summary>
    private static readonly MessagePackHubProtocol ClientProtocol = new();

    private static MessagePackHubProtocol CreateServerProtocol()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddRealtime();
        using var services = builder.Services.BuildServiceProvider();
        return new MessagePackHubProtocol(Options.Create(services.GetRequiredService<IOptions<MessagePackHubProtocolOptions>>().Value));
    }

    private static MotionBatch Batch(int samples) => new()
    {
        GameId = "ABCDE",
        PlayerId = "p0123456789abcdef",
        Seq = 7,
        Samples = Enumerable.Range(0, samples).Select(i => new MotionSample { T = 1000 + (20.5 * i), X = i, Y = -1.25, Z = 9.81 }).ToArray(),
    };

    [Fact]
    public void Bind_BatchFromTheSignalRClient_RecordIsItsOwnBytes()
    {
        var batch = Batch(10);

        var bound = Bind(ClientFrame(batch));

        var bytes = MessagePackSerializer.Serialize(batch, MessagePackSerializerOptions.Standard);
        Assert.Equal(bytes, bound.Record);
        Assert.Equal(("ABCDE", "p0123456789abcdef", 7L, (int?)10), (bound.GameId, bound.PlayerId, bound.Seq, bound.SampleCount));
    }

    [Fact]
    public void Bind_BrowserShapedBatch_RecordIsItsOwnBytesAndDecodesToTheSameBatch()
    {
        // As msgpack in a browser writes it: keys in the page's order, integral numbers as integers, a float32.
        var argument = Write(w =>
        {
            w.WriteMapHeader(4);
            w.Write("seq"); w.Write(3);
            w.Write("samples"); w.WriteArrayHeader(2);
            w.WriteMapHeader(4); w.Write("t"); w.Write(1500); w.Write("x"); w.Write(0.5); w.Write("y"); w.Write(-3); w.Write("z"); w.Write(9.5f);
            w.WriteMapHeader(3); w.Write("t"); w.Write(1520.25); w.Write("z"); w.Write(30); w.Write("x"); w.Write(-0.125);
            w.Write("playerId"); w.Write("p1");
            w.Write("gameId"); w.Write("G");
        });

        var bound = Bind(Frame(argument));

        Assert.Equal(argument, bound.Record);
        Assert.True(MotionBatchCodec.TryDecode(bound.Record, out var decoded));
        Assert.Equal(("G", "p1", 3L), (decoded.GameId, decoded.PlayerId, decoded.Seq));
        Assert.Equal(
            new[] { new MotionSample { T = 1500, X = 0.5, Y = -3, Z = 9.5 }, new MotionSample { T = 1520.25, X = -0.125, Y = 0, Z = 30 } },
            decoded.Samples);
    }

    [Fact]
    public void Bind_UnknownKeys_BoundAsBeforeAndEncodedWithoutThem()
    {
        var argument = Write(w =>
        {
            w.WriteMapHeader(5);
            w.Write("gameId"); w.Write("G");
            w.Write("playerId"); w.Write("p1");
            w.Write("seq"); w.Write(2);
            w.Write("note"); w.WriteArrayHeader(1); w.Write("ignored");
            w.Write("samples"); w.WriteArrayHeader(1);
            w.WriteMapHeader(5); w.Write("t"); w.Write(10.0); w.Write("x"); w.Write(1.0); w.Write("y"); w.Write(2.0); w.Write("z"); w.Write(3.0); w.Write("w"); w.Write(4.0);
        });

        var bound = Bind(Frame(argument));

        var expected = new MotionBatch { GameId = "G", PlayerId = "p1", Seq = 2, Samples = [new MotionSample { T = 10, X = 1, Y = 2, Z = 3 }] };
        Assert.Equal(MotionBatchCodec.Encode(expected), bound.Record);
        Assert.Equal((int?)1, bound.SampleCount);
    }

    [Fact]
    public void Bind_NilSamples_BoundWithNoSampleCount()
    {
        var argument = Write(w =>
        {
            w.WriteMapHeader(4);
            w.Write("gameId"); w.Write("G");
            w.Write("playerId"); w.Write("p1");
            w.Write("seq"); w.Write(1);
            w.Write("samples"); w.WriteNil();
        });

        Assert.Null(Bind(Frame(argument)).SampleCount);
    }

    [Fact]
    public void Bind_NilSample_BoundWithNoSampleCount()
    {
        // A script's batch with a nil among its samples: acknowledged, the score function would skip the whole record.
        var argument = Write(w =>
        {
            w.WriteMapHeader(4);
            w.Write("gameId"); w.Write("G");
            w.Write("playerId"); w.Write("p1");
            w.Write("seq"); w.Write(1);
            w.Write("samples"); w.WriteArrayHeader(2);
            w.WriteMapHeader(2); w.Write("t"); w.Write(10.0); w.Write("x"); w.Write(30.0);
            w.WriteNil();
        });

        Assert.Null(Bind(Frame(argument)).SampleCount);
    }

    [Theory]
    [InlineData("a string where a number goes")]
    [InlineData("an array where a sample goes")]
    [InlineData("a float where seq goes")]
    public void Bind_NotABatch_RefusedAsAMotionBatchIs(string shape)
    {
        var argument = Write(w =>
        {
            w.WriteMapHeader(4);
            w.Write("gameId"); w.Write("G");
            w.Write("playerId"); w.Write("p1");
            w.Write("seq");
            if (shape == "a float where seq goes")
            {
                w.Write(1.5);
            }
            else
            {
                w.Write(1);
            }

            w.Write("samples"); w.WriteArrayHeader(1);
            if (shape == "an array where a sample goes")
            {
                w.WriteArrayHeader(4); w.Write(1.0); w.Write(2.0); w.Write(3.0); w.Write(4.0);
            }
            else
            {
                w.WriteMapHeader(1); w.Write("t"); w.Write(shape == "a string where a number goes" ? (object)"x" : 1.0);
            }
        });

        var asMotionBatch = Parse(Frame(argument), typeof(MotionBatch));
        var asPhoneBatch = Parse(Frame(argument), typeof(PhoneBatch));

        Assert.IsType<InvocationBindingFailureMessage>(asMotionBatch);
        Assert.IsType<InvocationBindingFailureMessage>(asPhoneBatch);
    }

    [Theory]
    [InlineData(new byte[] { 0xdd, 0xff, 0xff, 0xff, 0xff })]
    [InlineData(new byte[] { 0xdd, 0x80, 0x00, 0x00, 0x00 })]
    public void Bind_SampleCountAboveIntMaxValue_RefusedAsAMotionBatchIs(byte[] arrayHeader)
    {
        // An array32 count above int.MaxValue reads as a negative int: neither the scan nor the walk may take it for
        // a batch (a negative count would pass the hub's limit).
        var argument = Write(w =>
        {
            w.WriteMapHeader(4);
            w.Write("gameId"); w.Write("G");
            w.Write("playerId"); w.Write("p1");
            w.Write("seq"); w.Write(1);
            w.Write("samples"); w.WriteRaw(arrayHeader);
        });

        Assert.IsType<InvocationBindingFailureMessage>(Parse(Frame(argument), typeof(MotionBatch)));
        Assert.IsType<InvocationBindingFailureMessage>(Parse(Frame(argument), typeof(PhoneBatch)));
    }

    [Fact]
    public void Bind_BatchOfTenSamples_AllocatesTheRecordAndTheIdsAndNoSamples()
    {
        var batch = Batch(10);
        var argument = MessagePackSerializer.Serialize(batch, MessagePackSerializerOptions.Standard);
        var options = ServerOptions();

        // Each measured twice, the second time counted: the first call of a lambda may allocate while it is compiled.
        var parts = Allocated.ByWarm(() => _ = new PhoneBatch(new string('g', batch.GameId.Length), new string('p', batch.PlayerId.Length), 7, 10, new byte[argument.Length]));
        var phoneBatch = Allocated.ByWarm(() => MessagePackSerializer.Deserialize<PhoneBatch>(argument, options));
        var decodeAndEncode = Allocated.ByWarm(() => MotionBatchCodec.Encode(MessagePackSerializer.Deserialize<MotionBatch>(argument, options)));

        Assert.Equal(parts, phoneBatch);
        // What the hub did before: the batch and its ten samples as objects, then the record encoded from them.
        Assert.True(decodeAndEncode > phoneBatch + argument.Length, $"decode and encode {decodeAndEncode} B, PhoneBatch {phoneBatch} B");
    }

    private static MessagePackSerializerOptions ServerOptions()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddRealtime();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<MessagePackHubProtocolOptions>>().Value.SerializerOptions;
    }

    private static PhoneBatch Bind(byte[] frame)
    {
        var message = Assert.IsType<InvocationMessage>(Parse(frame, typeof(PhoneBatch)));
        return Assert.IsType<PhoneBatch>(Assert.Single(message.Arguments));
    }

    private static HubMessage? Parse(byte[] frame, Type parameter)
    {
        var input = new ReadOnlySequence<byte>(frame);
        Assert.True(ServerProtocol.TryParseMessage(ref input, new Binder(parameter), out var message));
        return message;
    }

    private static byte[] ClientFrame(MotionBatch batch) =>
        ClientProtocol.GetMessageBytes(new InvocationMessage("1", PhoneHubMethods.SendMotion, [batch])).ToArray();

    /// <summary>An Invocation of SendMotion whose one argument is <paramref name="argument"/>, framed as SignalR does.</summary>
    private static byte[] Frame(byte[] argument)
    {
        var body = Write(w =>
        {
            // [1 (Invocation), headers {}, invocation id, target, arguments [...], stream ids []]
            w.WriteArrayHeader(6);
            w.Write(1);
            w.WriteMapHeader(0);
            w.Write("1");
            w.Write(PhoneHubMethods.SendMotion);
            w.WriteArrayHeader(1);
            w.WriteRaw(argument);
            w.WriteArrayHeader(0);
        });
        var frame = new ArrayBufferWriter<byte>();
        // The length prefix: 7 bits a byte, low bits first.
        for (var length = body.Length; ; length >>= 7)
        {
            frame.Write([(byte)((length & 0x7f) | (length > 0x7f ? 0x80 : 0))]);
            if (length <= 0x7f)
            {
                break;
            }
        }

        frame.Write(body);
        return frame.WrittenSpan.ToArray();
    }

    private static byte[] Write(Action<WriterBox> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var box = new WriterBox(buffer);
        write(box);
        box.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A MessagePackWriter is a ref struct, so the tests' lambdas write through this.</summary>
    private sealed class WriterBox(IBufferWriter<byte> output)
    {
        private readonly ArrayBufferWriter<byte> _pending = new();

        public void WriteMapHeader(int count) => Do((ref MessagePackWriter w) => w.WriteMapHeader(count));

        public void WriteArrayHeader(int count) => Do((ref MessagePackWriter w) => w.WriteArrayHeader(count));

        public void WriteNil() => Do((ref MessagePackWriter w) => w.WriteNil());

        public void WriteRaw(byte[] raw) => Do((ref MessagePackWriter w) => w.WriteRaw(raw));

        public void Write(object value) => Do((ref MessagePackWriter w) =>
        {
            switch (value)
            {
                case string s: w.Write(s); break;
                case int i: w.Write(i); break;
                case double d: w.Write(d); break;
                case float f: w.Write(f); break;
                default: throw new ArgumentException($"Cannot write {value.GetType()}");
            }
        });

        public void Flush() => output.Write(_pending.WrittenSpan);

        private void Do(WriteAction action)
        {
            var writer = new MessagePackWriter(_pending);
            action(ref writer);
            writer.Flush();
        }

        private delegate void WriteAction(ref MessagePackWriter writer);
    }

    private sealed class Binder(Type parameter) : IInvocationBinder
    {
        public Type GetReturnType(string invocationId) => typeof(MotionAck);

        public IReadOnlyList<Type> GetParameterTypes(string methodName) => [parameter];

        public Type GetStreamItemType(string streamId) => throw new NotSupportedException();
    }
}
