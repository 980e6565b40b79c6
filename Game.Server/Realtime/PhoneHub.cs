using Game.Functions.Contracts;
using Game.Server.Ingest;
using Microsoft.AspNetCore.SignalR;

namespace Game.Server.Realtime;

/// <summary>
/// Phones send motion batches here. The connection carries the player token (<c>Authorization: Bearer</c> or
/// <c>access_token</c>, checked before the hub by <see cref="PhoneConnections"/>); each batch is
/// checked against it and appended to the stream (<see cref="IRecordProducer"/>) as one record, partition key = player id, and acknowledged once
/// durable; the ack carries the phone's newest standing when one is waiting (<see cref="StandingsRouter"/>).
/// Thin and stateless: scoring happens downstream.
/// </summary>
public sealed class PhoneHub(IRecordProducer producer, StandingsRouter standings, IGrainFactory grains) : Hub<IPhoneClient>
{
    private const string PlayerKey = "player";

    public override async Task OnConnectedAsync()
    {
        // PhoneConnections refused every request without a valid token; this only guards a hub mapped without it.
        var (gameId, playerId) = PhoneConnections.PlayerOf(Context.GetHttpContext())
            ?? throw new HubException("A valid player token is required: join the game first.");
        Context.Items[PlayerKey] = (gameId, playerId);
        await Groups.AddToGroupAsync(Context.ConnectionId, HubFramePublisher.PlayerGroup(playerId));
        // The phone is right at once after a (re)connect, without waiting for its standing to change.
        if (await grains.GetGrain<IGameGrain>(gameId).Standing(playerId) is { } standing)
        {
            await Clients.Caller.Standing(standing);
        }
    }

    /// <summary>Its standings entry goes with the connection (<see cref="StandingsRouter.Release"/>).</summary>
    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.Items.TryGetValue(PlayerKey, out var player) && player is ValueTuple<string, string> identity)
        {
            standings.Release(identity.Item2);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Takes a <see cref="MotionBatch"/> (bound as a <see cref="PhoneBatch"/>: its samples are not decoded here, and its
    /// bytes are the record) and answers once it is durable.
    /// </summary>
    public async Task<MotionAck> SendMotion(PhoneBatch? batch)
    {
        var (gameId, playerId) = ((string, string))Context.Items[PlayerKey]!;
        if (batch is null || batch.GameId != gameId || batch.PlayerId != playerId)
        {
            throw new HubException("This token may only send samples for its own player and game.");
        }

        if (batch.Seq < 1 || batch.SampleCount is not { } count || count > GameLimits.MaxSamplesPerBatch)
        {
            throw new HubException($"A batch needs a seq of 1 or more and at most {GameLimits.MaxSamplesPerBatch} samples, each a map of numbers.");
        }

        // Through the producer port: the embedded stream, or the Kinesis stream with Ingest:Provider=Kinesis. Either
        // answers once the record is durable, so an ack always means the batch will be scored.
        var result = await producer.AppendAsync(new AppendRequest(playerId, batch.Record));
        var standing = standings.TakeForAck(playerId);
        return result is { Succeeded: true }
            ? new MotionAck { Seq = batch.Seq, Accepted = true, Standing = standing }
            : new MotionAck { Seq = batch.Seq, Accepted = false, Error = result.ErrorCode, Standing = standing };
    }
}
