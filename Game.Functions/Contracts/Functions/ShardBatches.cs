
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
