using System.Buffers;
using System.Globalization;
using Game.Functions.Contracts;
using Game.Functions.Scoring;
using Game.Server.Realtime;
using MessagePack;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Game.Tests.Fuzz;

/// <summary>
/// What each way of reading a batch answers, written out in full (every id's UTF-16 units, every double's bits, the
/// record's bytes, how far the reader went, or which exception it threw), so that two paths can be compared exactly.
/// </summary>
public static class MotionReadPaths
{
    /// <summary>The server's SignalR serializer options, with <see cref="PhoneBatchFormatter"/> in them.</summary>
    public static readonly MessagePackSerializerOptions ServerOptions = CreateServerOptions();

    /// <summary>
    /// The hub's binding as the server does it: the scan first, the <c>MessagePackReader</c> path for what it leaves.
    /// The input is SignalR's arguments array of one argument, so the batch starts after the array's header, as in a
    /// message: where it starts in the sequence matters to the scan.
    /// </summary>
    public static string Bind(ReadOnlySequence<byte> arguments) => Bind(arguments, scan: true);

    public static string Bind(byte[] argument) => Bind(Arguments(argument));

    /// <summary>The hub's binding through <c>MessagePackReader</c> alone (what it was before the scan).</summary>
    public static string BindWithReader(ReadOnlySequence<byte> arguments) => Bind(arguments, scan: false);

    public static string BindWithReader(byte[] argument) => BindWithReader(Arguments(argument));

    /// <summary>The scan alone; null when it leaves the batch to the reader (which must then not have moved).</summary>
    public static string? BindByScan(byte[] argument)
    {
        var reader = new MessagePackReader(Arguments(argument));
        Assert.True(reader.TryReadArrayHeader(out var count) && count == 1);
        if (PhoneBatchFormatter.TryScan(ref reader, out var batch))
        {
            return Describe(batch, reader.Consumed);
        }

        Assert.Equal(1, reader.Consumed);
        return null;
    }

    /// <summary>SignalR's arguments array around one argument.</summary>
    public static ReadOnlySequence<byte> Arguments(byte[] argument) => new([0x91, .. argument]);

    private static string Bind(ReadOnlySequence<byte> arguments, bool scan)
    {
        var reader = new MessagePackReader(arguments);
        try
        {
            Assert.True(reader.TryReadArrayHeader(out var count) && count == 1);
            var batch = scan
                ? PhoneBatchFormatter.Instance.Deserialize(ref reader, ServerOptions)
                : PhoneBatchFormatter.DeserializeWithReader(ref reader, ServerOptions);
            return Describe(batch, reader.Consumed);
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            return "throws " + ex.GetType().Name;
        }
    }

    /// <summary>The score function's reading as it is: the scan first, then the reader, then the codec.</summary>
    public static string Read(byte[] record) => Describe(MotionRecordReader.TryRead(record, out var batch), batch);

    /// <summary>The score function's reading without the scan (what it was before).</summary>
    public static string ReadWithReader(byte[] record) => Describe(MotionRecordReader.TryReadWithReader(record, out var batch), batch);

    /// <summary>The codec, which has the last word on what a record is.</summary>
    public static string Decode(byte[] record) => Describe(MotionBatchCodec.TryDecode(record, out var batch), batch);

    /// <summary>The scan alone; null when it leaves the record to the reader.</summary>
    public static string? ReadByScan(byte[] record) => MotionRecordReader.TryScan(record, out var batch) ? Describe(true, batch) : null;

    /// <summary>A sequence of the given bytes cut at the given offsets (segments as a pipe hands them over).</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, params int[] cuts)
    {
        var bounds = cuts.Prepend(0).Append(bytes.Length).ToArray();
        Segment? first = null, last = null;
        for (var i = 0; i + 1 < bounds.Length; i++)
        {
            // Each segment its own array, so nothing past a cut is readable from the segment before it.
            var segment = new Segment(bytes[bounds[i]..bounds[i + 1]], last);
            first ??= segment;
            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private static string Describe(PhoneBatch? batch, long consumed) => batch is null
        ? $"null, consumed {consumed}"
        : $"{Units(batch.GameId)} {Units(batch.PlayerId)} seq {batch.Seq} samples {batch.SampleCount?.ToString(CultureInfo.InvariantCulture) ?? "nil"} "
            + $"record {Convert.ToHexString(batch.Record)} consumed {consumed}";

    private static string Describe(bool read, MotionBatch batch) =>
        $"{read} {Units(batch.GameId)} {Units(batch.PlayerId)} seq {batch.Seq} samples "
        + string.Join(" ", batch.Samples.Select(s => s is null ? "nil" : string.Join(",", new[] { s.T, s.X, s.Y, s.Z }.Select(d => BitConverter.DoubleToInt64Bits(d).ToString("x16", CultureInfo.InvariantCulture)))));

    private static string Units(string value) => "[" + string.Join(",", value.Select(c => ((int)c).ToString("x4", CultureInfo.InvariantCulture))) + "]";

    private static MessagePackSerializerOptions CreateServerOptions()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddRealtime();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<MessagePackHubProtocolOptions>>().Value.SerializerOptions;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, Segment? previous)
        {
            Memory = bytes;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
