
namespace Game.Functions.Contracts;

/// <summary>A player's ledger after a batch, with the phone seq it reflects.</summary>
[GenerateSerializer, Immutable]
public sealed record ScoreUpdate(
    [property: Id(0)] string PlayerId,
    [property: Id(1)] long Score,
    [property: Id(2)] long AppliedSeq,
    [property: Id(3)] int CountedSamples);
