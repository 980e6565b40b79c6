using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Game.Server.Hosting;

/// <summary>
/// HTTP/2 without TLS (h2c, "prior knowledge") beside HTTP/1.1 on the same plain <c>http://</c> endpoint, so the
/// AWS SDK for JavaScript's default Kinesis client (HTTP/2; <c>SubscribeToShard</c> needs it) and HTTP/1.1 clients,
/// SignalR's WebSockets and the pages all reach one URL (<c>http://localhost:5000</c> by default).
/// </summary>
/// <remarks>
/// Kestrel (through .NET 10) chooses the protocol of a cleartext connection on an <c>Http1AndHttp2</c> endpoint
/// without looking at it: HTTP/1.1, because there is no TLS to negotiate with (dotnet/aspnetcore#56984; the fix,
/// #67782, was still open when this was written). An HTTP/2 client announces itself with a fixed 24-byte preface
/// (RFC 9113 §3.4), which no HTTP/1.1 request can begin with: this connection middleware reads it, without
/// consuming anything, and tells Kestrel to speak HTTP/2 on that connection alone, through the per-connection
/// protocols feature Kestrel's own TLS/SNI path sets. That feature is internal, so it is found by name; should a
/// later Kestrel rename it, the endpoint stays HTTP/1.1 only and a warning says so at start (the rest is unchanged).
/// </remarks>
public static partial class CleartextHttp2
{
    private const string ProtocolsFeatureName = "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.HttpProtocolsFeature";

    private static readonly Type? ProtocolsFeature = typeof(KestrelServerOptions).Assembly.GetType(ProtocolsFeatureName);

    private static readonly object? Http2Only = ProtocolsFeature is null ? null : Activator.CreateInstance(ProtocolsFeature, HttpProtocols.Http2);

    /// <summary>The client connection preface every HTTP/2 connection starts with.</summary>
    internal static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>Every endpoint that allows both HTTP/1.1 and HTTP/2 (Kestrel's default) tells them apart by the preface.</summary>
    public static IHostApplicationBuilder AddCleartextHttp2(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<KestrelServerOptions>().Configure<ILoggerFactory>((kestrel, loggers) =>
        {
            if (Http2Only is null)
            {
                LogUnavailable(loggers.CreateLogger(typeof(CleartextHttp2)), ProtocolsFeatureName);
                return;
            }

            kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => connection =>
                listen.Protocols == HttpProtocols.Http1AndHttp2 ? SelectAsync(connection, next, kestrel.Limits.RequestHeadersTimeout) : next(connection)));
        });
        return builder;
    }

    internal static async Task SelectAsync(ConnectionContext connection, ConnectionDelegate next, TimeSpan timeout)
    {
        if (await StartsWithPrefaceAsync(connection, timeout))
        {
            connection.Features[ProtocolsFeature!] = Http2Only;
        }

        await next(connection);
    }

    /// <summary>
    /// The look at the first bytes, with a token source of its own that is gone before the connection is served: kept
    /// for the connection's life (as a <c>using</c> around both was), it and its registration on
    /// <c>ConnectionClosed</c> cost every idle phone about 200 bytes.
    /// </summary>
    private static async Task<bool> StartsWithPrefaceAsync(ConnectionContext connection, TimeSpan timeout)
    {
        // A client that connects and sends nothing is Kestrel's to time out, as HTTP/1.1 (it has the limits).
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        waiting.CancelAfter(timeout);
        return await StartsWithPrefaceAsync(connection.Transport.Input, waiting.Token);
    }

    /// <summary>
    /// Reads until the input either begins with the preface or cannot (an HTTP/1.1 request differs within its first
    /// two bytes), consuming nothing. Marked examined only as far as compared (a pipe's examined position never moves
    /// back), so Kestrel's next read returns what is there at once, unless everything that came was compared: a bare
    /// preface (the client's SETTINGS follows it unasked) or a stalled client (Kestrel's timeouts apply).
    /// </summary>
    internal static async Task<bool> StartsWithPrefaceAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            var buffer = result.Buffer;
            var compared = Compare(buffer, out var matches);
            var decided = !matches || compared == Preface.Length || result.IsCompleted || result.IsCanceled;
            input.AdvanceTo(buffer.Start, buffer.GetPosition(compared));
            if (decided)
            {
                return matches && compared == Preface.Length;
            }
        }
    }

    /// <summary>How many bytes were compared with the preface (up to the first that differs, included); whether all matched.</summary>
    private static int Compare(ReadOnlySequence<byte> buffer, out bool matches)
    {
        var preface = Preface;
        var compared = 0;
        foreach (var segment in buffer)
        {
            foreach (var value in segment.Span)
            {
                if (compared == preface.Length)
                {
                    matches = true;
                    return compared;
                }

                compared++;
                if (value != preface[compared - 1])
                {
                    matches = false;
                    return compared;
                }
            }
        }

        matches = true;
        return compared;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kestrel has no {Feature}: plain-http endpoints serve HTTP/1.1 only, and HTTP/2 clients (Kinesis SubscribeToShard) cannot connect")]
    private static partial void LogUnavailable(ILogger logger, string feature);
}
