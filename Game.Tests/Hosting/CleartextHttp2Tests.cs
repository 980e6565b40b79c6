using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Game.Server.Hosting;
using Microsoft.AspNetCore.Connections;

namespace Game.Tests.Hosting;

/// <summary>
/// Telling HTTP/2 (prior knowledge) from HTTP/1.1 by a connection's first bytes, without consuming any: whatever
/// the answer, Kestrel then reads the connection from its first byte.
/// </summary>
public sealed class CleartextHttp2Tests
{
    private static readonly byte[] Preface = CleartextHttp2.Preface.ToArray();

    [Fact]
    public async Task StartsWithPreface_Http2ClientPrefaceAndSettings_IsTrueAndConsumesNothing()
    {
        var pipe = new Pipe();
        byte[] sent = [.. Preface, 0, 0, 0, 4, 0, 0, 0, 0, 0];
        await pipe.Writer.WriteAsync(sent);

        Assert.True(await CleartextHttp2.StartsWithPrefaceAsync(pipe.Reader, CancellationToken.None));
        Assert.Equal(sent, await ReadAllAvailableAsync(pipe.Reader));
    }

    [Fact]
    public async Task StartsWithPreface_PrefaceInPieces_WaitsForTheRestThenIsTrue()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Preface.AsMemory(0, 10));

        var deciding = CleartextHttp2.StartsWithPrefaceAsync(pipe.Reader, CancellationToken.None);
        Assert.False(deciding.IsCompleted);
        await pipe.Writer.WriteAsync(Preface.AsMemory(10));

        Assert.True(await deciding.WaitAsync(TimeSpan.FromSeconds(10)));
        // All of what came was compared, so the next read waits for the client's SETTINGS, which RFC 9113 has it send
        // right after the preface without waiting for the server: nothing was consumed.
        await pipe.Writer.WriteAsync(new byte[] { 0 });
        Assert.Equal([.. Preface, 0], await ReadAllAvailableAsync(pipe.Reader));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("PRI * HTTP/1.1\r\n\r\n")]
    public async Task StartsWithPreface_Http11Request_IsFalseAndConsumesNothing(string request)
    {
        var pipe = new Pipe();
        var sent = Encoding.ASCII.GetBytes(request);
        await pipe.Writer.WriteAsync(sent);

        Assert.False(await CleartextHttp2.StartsWithPrefaceAsync(pipe.Reader, CancellationToken.None));
        Assert.Equal(sent, await ReadAllAvailableAsync(pipe.Reader));
    }

    [Fact]
    public async Task StartsWithPreface_SilentClientPastTheTimeout_IsFalse()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Preface.AsMemory(0, 3));
        using var timeout = new CancellationTokenSource();

        var deciding = CleartextHttp2.StartsWithPrefaceAsync(pipe.Reader, timeout.Token);
        await timeout.CancelAsync();

        Assert.False(await deciding.WaitAsync(TimeSpan.FromSeconds(10)));
        await pipe.Writer.WriteAsync(new byte[] { 0 });
        Assert.Equal([.. Preface[..3], 0], await ReadAllAvailableAsync(pipe.Reader));
    }

    /// <summary>What the next reader gets at once: a read that must not wait, as Kestrel's first read must not.</summary>
    private static async Task<byte[]> ReadAllAvailableAsync(PipeReader reader)
    {
        var read = reader.ReadAsync();
        Assert.True(read.IsCompleted, "The next read waits: the check examined everything and Kestrel would wait for bytes that may never come.");
        var result = await read;
        var bytes = result.Buffer.ToArray();
        reader.AdvanceTo(result.Buffer.End);
        return bytes;
    }
}

/// <summary>
/// What the preface check leaves behind while the connection it looked at is served: nothing of its own. Alone in
/// its collection, because it counts the process's active timers.
/// </summary>
[Collection(ProcessTimersCollection.Name)]
public sealed class CleartextHttp2ConnectionTests
{
    [Fact]
    public async Task Select_Http11ConnectionBeingServed_KeepsNoTimeoutTimer()
    {
        const int connections = 1_000;
        var served = new TaskCompletionSource();
        var reached = 0;
        var contexts = Enumerable.Range(0, connections).Select(i => Http11Connection($"c{i}")).ToList();
        foreach (var context in contexts)
        {
            await context.Application!.Output.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        }

        var before = Timer.ActiveCount;
        var selecting = contexts.Select(context => CleartextHttp2.SelectAsync(context, _ =>
        {
            Interlocked.Increment(ref reached);
            return served.Task;
        }, TimeSpan.FromMinutes(5))).ToList();
        var whileServed = Timer.ActiveCount;
        served.SetResult();
        await Task.WhenAll(selecting);

        Assert.Equal(connections, reached);
        // The check's five-minute timeout was kept (with its token source, linked to the connection's) until the
        // connection ended: one timer per connection, 1,000 here. Other tests' timers may come and go meanwhile.
        Assert.InRange(whileServed - before, -connections / 10, connections / 10);
    }

    private static DefaultConnectionContext Http11Connection(string id)
    {
        var toServer = new Pipe();
        var fromServer = new Pipe();
        return new DefaultConnectionContext(id, new DuplexPipe(toServer.Reader, fromServer.Writer), new DuplexPipe(fromServer.Reader, toServer.Writer));
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessTimersCollection
{
    public const string Name = "Process timers";
}
