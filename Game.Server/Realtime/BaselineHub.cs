using Game.Functions.Contracts;
using Microsoft.AspNetCore.SignalR;

namespace Game.Server.Realtime;

/// <summary>The transport's ceiling for the load tool: takes a phone's batch and does nothing with it.</summary>
public sealed class BaselineHub : Hub
{
    public MotionAck SendMotion(MotionBatch batch) => new() { Seq = batch.Seq, Accepted = true };
}
