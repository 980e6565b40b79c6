using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Game.Tests.KinesisProvider;

/// <summary>
/// A loopback HTTP endpoint in the test process that forwards every call to a Kinesis endpoint through the given
/// handlers (outermost first): it puts the handlers a test gives an in-process server's Kinesis client
/// (<see cref="ShardCallLog"/>, <see cref="KinesisFaults"/>) in front of a server that runs as its own process,
/// whose HttpClient the test cannot reach. Point that server's <c>Ingest:Kinesis:ServiceUrl</c> at <see cref="Url"/>.
/// </summary>
/// <remarks>
/// Requests go on unchanged but for the Host header, so their SigV4 signatures name the proxy: fine for kinesalite,
/// which does not check signatures; an endpoint that does (our own embedded one) would refuse them.
/// </remarks>
public sealed class KinesisProxy : IAsyncDisposable
{
    private readonly Uri _target;
    private readonly HttpMessageInvoker _forward;
    private readonly WebApplication _app;

    /// <param name="target">The Kinesis endpoint calls go to (kinesalite's URL).</param>
    /// <param name="handlers">What each call passes through on its way, outermost first.</param>
    public KinesisProxy(string target, params DelegatingHandler[] handlers)
    {
        _target = new Uri(target);
        HttpMessageHandler inner = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
        foreach (var handler in handlers.Reverse())
        {
            handler.InnerHandler = inner;
            inner = handler;
        }

        _forward = new HttpMessageInvoker(inner);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Port 0: Kestrel takes a free port as it binds.
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.Run(ForwardAsync);
    }

    /// <summary>Where the proxy listens, once started.</summary>
    public string Url { get; private set; } = "";

    public async Task StartAsync()
    {
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        Url = new Uri(address).GetLeftPart(UriPartial.Authority);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _forward.Dispose();
    }

    /// <summary>Headers about one connection, not the call: each side of the proxy has its own.</summary>
    private static bool HopByHop(string name) =>
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase);

    private async Task ForwardAsync(HttpContext context)
    {
        var incoming = context.Request;
        using var body = new MemoryStream();
        await incoming.Body.CopyToAsync(body, context.RequestAborted);
        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), new Uri(_target, incoming.Path + incoming.QueryString))
        {
            Content = new ByteArrayContent(body.ToArray()),
        };
        foreach (var (name, values) in incoming.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || HopByHop(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await _forward.SendAsync(request, context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            // An injected outage, or the endpoint gone: the server sees what a lost connection looks like.
            context.Abort();
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers).Where(h => !HopByHop(h.Key)))
            {
                context.Response.Headers[name] = values.ToArray();
            }

            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }
}
