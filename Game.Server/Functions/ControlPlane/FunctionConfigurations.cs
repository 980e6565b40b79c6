using System.Text.Json;
using Game.Functions.Runtime;

namespace Game.Server.Functions.ControlPlane;

/// <summary>
/// This node's view of the control plane: every function's configuration and every event source mapping, as last
/// read from the <see cref="IControlPlaneStore"/>. Refreshed every <see cref="ControlPlaneOptions.RefreshIntervalSeconds"/>
/// (<see cref="ControlPlaneSync"/>) and at once after a write through this node, so a change made on any node
/// reaches every node; <see cref="Changed"/> wakes whoever applies it (the mappings' pollers).
/// </summary>
public sealed class FunctionConfigurations(IControlPlaneStore store) : IFunctionSettingsSource
{
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Snapshot _current = Snapshot.Empty;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Functions' configurations by name.</summary>
    public IReadOnlyDictionary<string, FunctionConfiguration> Functions => _current.Functions;

    /// <summary>Every mapping, in UUID order.</summary>
    public IReadOnlyList<EventSourceMapping> Mappings => _current.Mappings;

    /// <summary>Completes at the next refresh that sees a change; ask again for the one after.</summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    public FunctionConfiguration? Function(string name) => _current.Functions.GetValueOrDefault(name);

    /// <summary>The function's mapping (at most one per function: Lambda refuses a second on the same stream).</summary>
    public EventSourceMapping? MappingOf(string functionName) => _current.Mappings.FirstOrDefault(m => m.FunctionName == functionName);

    public EventSourceMapping? Mapping(string uuid) => _current.Mappings.FirstOrDefault(m => m.Uuid == uuid);

    /// <summary>Reads both kinds from the store; completes <see cref="Changed"/> when anything moved.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var functions = await store.ListAsync(ControlPlaneKinds.Function, cancellationToken);
            var mappings = await store.ListAsync(ControlPlaneKinds.Mapping, cancellationToken);
            var version = string.Join(',', functions.Concat(mappings).Select(d => $"{d.Kind}/{d.Id}/{d.Revision}"));
            if (version == _current.Version)
            {
                return;
            }

            _current = new Snapshot(
                version,
                functions.Select(d => Read<FunctionConfiguration>(d) with { Revision = d.Revision }).ToDictionary(f => f.FunctionName, StringComparer.Ordinal),
                mappings.Select(d => Read<EventSourceMapping>(d) with { Revision = d.Revision }).ToList());
            Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Writes a function's configuration if its revision is still <paramref name="expectedRevision"/> (0: create); null when it moved.</summary>
    public async Task<FunctionConfiguration?> PutFunctionAsync(FunctionConfiguration configuration, long expectedRevision, CancellationToken cancellationToken)
    {
        var written = await store.PutAsync(ControlPlaneKinds.Function, configuration.FunctionName, Write(configuration), expectedRevision, cancellationToken);
        await RefreshAsync(cancellationToken);
        return written is null ? null : configuration with { Revision = written.Revision };
    }

    /// <summary>Writes a mapping if its revision is still <paramref name="expectedRevision"/> (0: create); null when it moved.</summary>
    public async Task<EventSourceMapping?> PutMappingAsync(EventSourceMapping mapping, long expectedRevision, CancellationToken cancellationToken)
    {
        var written = await store.PutAsync(ControlPlaneKinds.Mapping, mapping.Uuid, Write(mapping), expectedRevision, cancellationToken);
        await RefreshAsync(cancellationToken);
        return written is null ? null : mapping with { Revision = written.Revision };
    }

    /// <summary>Removes a mapping if its revision is still the one given.</summary>
    public async Task<bool> DeleteMappingAsync(EventSourceMapping mapping, CancellationToken cancellationToken)
    {
        var deleted = await store.DeleteAsync(ControlPlaneKinds.Mapping, mapping.Uuid, mapping.Revision, cancellationToken);
        await RefreshAsync(cancellationToken);
        return deleted;
    }

    /// <summary>The runtime's view: a new settings revision (a cold start) only when Timeout, MemorySize or Environment changed.</summary>
    public FunctionSettings? Get(string functionName)
    {
        if (Function(functionName) is not { } function)
        {
            return null;
        }

        var revision = new HashCode();
        revision.Add(function.Timeout);
        revision.Add(function.MemorySize);
        foreach (var (key, value) in function.Environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            revision.Add(key);
            revision.Add(value);
        }

        return new FunctionSettings(TimeSpan.FromSeconds(function.Timeout), function.MemorySize, function.Environment, revision.ToHashCode());
    }

    private static string Write<T>(T value) => JsonSerializer.Serialize(value, ControlPlaneJson.Options);

    private static T Read<T>(ControlPlaneDocument document) =>
        JsonSerializer.Deserialize<T>(document.Body, ControlPlaneJson.Options)
        ?? throw new InvalidOperationException($"The stored {document.Kind} '{document.Id}' is empty.");

    private sealed record Snapshot(string Version, IReadOnlyDictionary<string, FunctionConfiguration> Functions, IReadOnlyList<EventSourceMapping> Mappings)
    {
        public static readonly Snapshot Empty = new("", new Dictionary<string, FunctionConfiguration>(), []);
    }
}
