
namespace Game.Functions.Contracts;

/// <summary>The tumbling window an invocation belongs to, and the state carried into it.</summary>
[GenerateSerializer, Immutable]
public sealed record WindowInput(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] DateTimeOffset End,
    [property: Id(2)] IReadOnlyDictionary<string, string> State,
    [property: Id(3)] bool IsFinal,
    [property: Id(4)] bool TerminatedEarly);
