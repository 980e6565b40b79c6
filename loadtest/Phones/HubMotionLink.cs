using Game.Functions.Contracts;
using LoadTest.Reporting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LoadTest.Phones;

/// <summary>A phone's own SignalR connection (WebSockets, MessagePack) to the phone hub, or to the do-nothing baseline hub.</summary>
public sealed class HubMotionLink : IMotionLink
{
    private static readonly TimeSpan ReconnectPoll = TimeSpan.FromMilliseconds(50);

    private readonly HubConnection _connection;
    private readonly LoadMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Action<string, Exception?> _error;

    private HubMotionLink(HubConnection connection, LoadMetrics metrics, TimeProvider time, Action<string, Exception?> error)
    {
        _connection = connection;
        _metrics = metrics;
        _time = time;
        _error = error;
        _connection.Reconnecting += _ =>
        {
            _metrics.Reconnected();
            return Task.CompletedTask;
        };
    }

    /// <summary>Opens the connection; <paramref name="error"/> counts and logs an error by kind (a failed restart).</summary>
    public static async Task<HubMotionLink> ConnectAsync(Uri url, string hubPath, string token, LoadMetrics metrics, TimeProvider time, Action<string, Exception?> error, CancellationToken cancellationToken)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(url, $"{hubPath}?access_token={Uri.EscapeDataString(token)}"), HttpTransportType.WebSockets, o => o.SkipNegotiation = true)
            .AddMessagePackProtocol()
            .WithAutomaticReconnect()
            .Build();
        // Phones are told their own standing; without a handler the client fails to bind every push (an exception each).
        connection.On<PhoneStanding>(nameof(IPhoneClient.Standing), _ => metrics.StandingReceived(inAck: false));
        try
        {
            await connection.StartAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        return new HubMotionLink(connection, metrics, time, error);
    }

    public bool Connected => _connection.State == HubConnectionState.Connected;

    public async Task<MotionAck> SendAsync(MotionBatch batch, CancellationToken cancellationToken)
    {
        var ack = await _connection.InvokeAsync<MotionAck>(PhoneHubMethods.SendMotion, batch, cancellationToken);
        if (ack.Standing is not null)
        {
            _metrics.StandingReceived(inAck: true);
        }

        return ack;
    }

    /// <summary>
    /// Waits out an automatic reconnect, or starts the connection again when that gave up. A send while the
    /// connection is down fails at once without reaching the server: not worth an attempt, nor an error each time.
    /// </summary>
    public async Task<bool> ReadyAsync(Func<bool> pastGiveUp, CancellationToken cancellationToken)
    {
        while (_connection.State is HubConnectionState.Reconnecting or HubConnectionState.Connecting)
        {
            if (pastGiveUp())
            {
                return false;
            }

            try
            {
                await Task.Delay(ReconnectPoll, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return _connection.State == HubConnectionState.Connected || await RestartAsync(cancellationToken);
    }

    private async Task<bool> RestartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _connection.StartAsync(cancellationToken);
            _metrics.Reconnected();
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error("restart:" + ex.GetType().Name, ex);
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
