using Orleans.Concurrency;

namespace Game.Functions.Contracts;

/// <summary>One record as the stream stores it, handed to a function grain.</summary>
[GenerateSerializer, Immutable]
public sealed record StreamRecord(
    [property: Id(0)] string SequenceNumber,
    [property: Id(1)] string PartitionKey,
    [property: Id(2)] byte[] Data,
    [property: Id(3)] DateTimeOffset ArrivalTime);

/// <summary>An ordered batch of one shard's records.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardBatch(
    [property: Id(0)] string StreamName,
    [property: Id(1)] string ShardId,
    [property: Id(2)] IReadOnlyList<StreamRecord> Records);

/// <summary>How an invocation ended.</summary>
[GenerateSerializer, Immutable]
public sealed record InvocationResult
{
    [Id(0)] public string RequestId { get; init; } = "";

    /// <summary>True when the function returned without reporting failures.</summary>
    [Id(1)] public bool Succeeded { get; init; }

    /// <summary>With ReportBatchItemFailures: the lowest failed sequence number; the batch succeeded up to it.</summary>
    [Id(2)] public string? FirstFailedSequenceNumber { get; init; }

    /// <summary>The error when the whole batch failed (exception, timeout, malformed answer).</summary>
    [Id(3)] public string? Error { get; init; }

    [Id(4)] public TimeSpan Duration { get; init; }

    /// <summary>With a tumbling window: the state the function answered (null when it failed).</summary>
    [Id(5)] public IReadOnlyDictionary<string, string>? WindowState { get; init; }
}

/// <summary>The tumbling window an invocation belongs to, and the state carried into it.</summary>
[GenerateSerializer, Immutable]
public sealed record WindowInput(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] DateTimeOffset End,
    [property: Id(2)] IReadOnlyDictionary<string, string> State,
    [property: Id(3)] bool IsFinal,
    [property: Id(4)] bool TerminatedEarly);

/// <summary>
/// Hosts one function for one shard lane (key: <see cref="FunctionShardKey"/>, <c>{function}/{shardId}/{lane}</c>),
/// the way Lambda runs an execution environment: init once per activation, then warm invocations in order.
/// </summary>
public interface IFunctionShardGrain : IGrainWithStringKey
{
    Task<InvocationResult> Invoke(ShardBatch batch);

    /// <summary>Invokes a tumbling-window function with the window's records (none on the final invocation) and state.</summary>
    Task<InvocationResult> InvokeWindow(ShardBatch batch, WindowInput window);
}

/// <summary>A player's ledger after a batch, with the phone seq it reflects.</summary>
[GenerateSerializer, Immutable]
public sealed record ScoreUpdate(
    [property: Id(0)] string PlayerId,
    [property: Id(1)] long Score,
    [property: Id(2)] long AppliedSeq,
    [property: Id(3)] int CountedSamples);

/// <summary>
/// One game (key: the join code): lifecycle, players, and the live scoreboard that it pushes to displays
/// as coalesced frames.
/// </summary>
public interface IGameGrain : IGrainWithStringKey
{
    /// <summary>Creates the game, or answers the existing one.</summary>
    Task<GameRecord> Create(int roundSeconds);

    /// <summary>The game, or null when no game has this code.</summary>
    Task<GameRecord?> Get();

    /// <summary>Adds a player; null when the game does not exist.</summary>
    Task<PlayerProfile?> Join(string nickname, string team);

    /// <summary>Starts a round after the countdown; null when the game does not exist.</summary>
    Task<GameRecord?> Start();

    /// <summary>Ends the running round now; null when the game does not exist.</summary>
    Task<GameRecord?> Stop();

    /// <summary>The current scoreboard as a frame.</summary>
    Task<ScoreboardFrame?> Snapshot();

    /// <summary>A player's standing now, for a phone that (re)connects; null for an unknown player.</summary>
    Task<PhoneStanding?> Standing(string playerId);

    /// <summary>Scores written to the store by a function; coalesced into the next frame.</summary>
    [OneWay]
    Task ScoresChanged(IReadOnlyList<ScoreUpdate> updates);
}

/// <summary>Sends frames to a game's displays and standings to its phones (implemented over the SignalR hub contexts).</summary>
public interface IFramePublisher
{
    Task PublishAsync(ScoreboardFrame frame, CancellationToken cancellationToken);

    Task PublishStandingsAsync(IReadOnlyList<PhoneStanding> standings, CancellationToken cancellationToken);
}
