using MessagePack;

namespace Game.Functions.Contracts;

/// <summary>
/// One DeviceMotion reading: <c>accelerationIncludingGravity</c> in m/s² and the device's own clock.
/// </summary>
/// <remarks>String MessagePack keys so that a browser's plain <c>{t,x,y,z}</c> object maps onto it.</remarks>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record MotionSample
{
    /// <summary>Device time in milliseconds (the event's timeStamp); must increase within a player's stream.</summary>
    [Id(0), Key("t")] public double T { get; init; }

    [Id(1), Key("x")] public double X { get; init; }

    [Id(2), Key("y")] public double Y { get; init; }

    [Id(3), Key("z")] public double Z { get; init; }
}

/// <summary>
/// One phone's batch of samples: the unit the stream stores as one record (partition key = <see cref="PlayerId"/>).
/// </summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record MotionBatch
{
    [Id(0), Key("gameId")] public string GameId { get; init; } = "";

    [Id(1), Key("playerId")] public string PlayerId { get; init; } = "";

    /// <summary>The phone's own batch counter, strictly increasing per player; the store drops a batch whose seq is not above the last applied.</summary>
    [Id(2), Key("seq")] public long Seq { get; init; }

    [Id(3), Key("samples")] public IReadOnlyList<MotionSample> Samples { get; init; } = [];
}

/// <summary>What the server answers for a <see cref="MotionBatch"/> once it is durable in the stream.</summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record MotionAck
{
    [Id(0), Key("seq")] public long Seq { get; init; }

    /// <summary>True when the batch is durably in the stream; false when it was refused and must be resent later.</summary>
    [Id(1), Key("accepted")] public bool Accepted { get; init; }

    /// <summary>Why a batch was refused (for example <c>ProvisionedThroughputExceededException</c>); null when accepted.</summary>
    [Id(2), Key("error")] public string? Error { get; init; }

    /// <summary>
    /// The phone's newest standing when one was waiting for it: a phone that is sending gets its standing here
    /// rather than in a push of its own. Null when nothing changed since the last one it got.
    /// </summary>
    [Id(3), Key("standing")] public PhoneStanding? Standing { get; init; }
}
