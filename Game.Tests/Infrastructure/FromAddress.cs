using System.Net;
using System.Net.Sockets;

namespace Game.Tests.Infrastructure;

/// <summary>
/// HTTP clients whose connections leave from a loopback address of the test's choosing: Linux routes all of
/// 127.0.0.0/8 to lo, so 127.0.0.2 and 127.0.0.3 are two distinct clients to a server on 127.0.0.1.
/// </summary>
public static class FromAddress
{
    public static HttpClient Client(string source, string baseUrl) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = new Uri(baseUrl),
    };
}
