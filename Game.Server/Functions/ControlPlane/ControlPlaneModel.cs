using System.Text.Json;
using System.Text.Json.Serialization;
using Game.Server.EventSources;
using Game.Server.Functions.AsyncInvocations;

namespace Game.Server.Functions.ControlPlane;

/// <summary>A function's configuration as the control plane stores it (UpdateFunctionConfiguration, PutFunctionConcurrency).</summary>
public sealed record FunctionConfiguration
{
    public string FunctionName { get; init; } = "";

    /// <summary>Seconds, 1–900; Lambda's default 3.</summary>
    public int Timeout { get; init; } = 3;

    /// <summary>MB, 128–10,240; Lambda's default 128.</summary>
    public int MemorySize { get; init; } = 128;

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Null: no reservation (PutFunctionConcurrency sets it, DeleteFunctionConcurrency clears it).</summary>
    public int? ReservedConcurrentExecutions { get; init; }

    public DateTimeOffset LastModified { get; init; }

    /// <summary>PutFunctionEventInvokeConfig's settings; null when none were put (Lambda's defaults apply).</summary>
    public EventInvokeConfig? EventInvokeConfig { get; init; }

    /// <summary>The store's revision (Lambda's RevisionId); not part of the stored body.</summary>
    [JsonIgnore]
    public long Revision { get; init; }
}

/// <summary>Lambda's event source mapping states.</summary>
public static class MappingStates
{
    public const string Creating = nameof(Creating);
    public const string Enabling = nameof(Enabling);
    public const string Enabled = nameof(Enabled);
    public const string Disabling = nameof(Disabling);
    public const string Disabled = nameof(Disabled);
    public const string Updating = nameof(Updating);
    public const string Deleting = nameof(Deleting);

    /// <summary>The state a mapping settles in once the nodes applied it; null for Deleting (the mapping goes).</summary>
    public static string? Settled(string state, bool enabled) => state switch
    {
        Deleting => null,
        _ => enabled ? Enabled : Disabled,
    };
}

/// <summary>An event source mapping as the control plane stores it: one per function and stream, as Lambda allows.</summary>
public sealed record EventSourceMapping
{
    public string Uuid { get; init; } = "";

    public string FunctionName { get; init; } = "";

    public string StreamName { get; init; } = "";

    /// <summary>The knobs, Enabled and MetricsConfig; validated as configuration is.</summary>
    public EventSourceMappingOptions Options { get; init; } = new();

    /// <summary>One of <see cref="MappingStates"/>.</summary>
    public string State { get; init; } = MappingStates.Enabled;

    public string StateTransitionReason { get; init; } = "USER_INITIATED";

    public DateTimeOffset LastModified { get; init; }

    [JsonIgnore]
    public long Revision { get; init; }

    /// <summary>What the mapping's readers depend on: a change of it restarts them (at their checkpoints).</summary>
    [JsonIgnore]
    public string OptionsJson => JsonSerializer.Serialize(Options, ControlPlaneJson.Options);

    /// <summary>Shards are read: enabled and not on its way out.</summary>
    [JsonIgnore]
    public bool Reads => Options.Enabled && State is not (MappingStates.Deleting or MappingStates.Disabling or MappingStates.Disabled);
}

/// <summary>How control-plane documents are written: enums by name, so the stored JSON reads as the API's.</summary>
public static class ControlPlaneJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        Converters = { new JsonStringEnumConverter() },
    };
}
