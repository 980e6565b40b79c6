namespace Game.Functions.Runtime;

/// <summary>A function the host can run: its name and the class that implements it.</summary>
public sealed record FunctionRegistration(string Name, Type Implementation, TimeSpan Timeout);

/// <summary>The functions this host knows, by name.</summary>
public sealed class FunctionCatalog(IEnumerable<FunctionRegistration> registrations)
{
    private readonly Dictionary<string, FunctionRegistration> _byName =
        registrations.ToDictionary(r => r.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<FunctionRegistration> All => _byName.Values;

    public bool TryGet(string name, out FunctionRegistration registration) =>
        _byName.TryGetValue(name, out registration!);
}
