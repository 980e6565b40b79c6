using Game.Functions.Runtime.Code;

namespace Game.Functions.Runtime;

/// <summary>A function the host can run: its name and the class that implements it.</summary>
/// <param name="Name">The function's name, as the Lambda API and the mappings call it.</param>
/// <param name="Implementation">
/// The class compiled into the server; for a function that exists only as deployed code (CreateFunction), the
/// contract interface its deployed class implements (the class itself is loaded by its environment).
/// </param>
/// <param name="Timeout">The timeout it runs under until the control plane holds another.</param>
public sealed record FunctionRegistration(string Name, Type Implementation, TimeSpan Timeout);

/// <summary>
/// The functions this host knows, by name: those compiled into the server, then those created through the
/// Lambda API (<see cref="IFunctionCodeSource.Created"/>), which every node reads from the store.
/// </summary>
public sealed class FunctionCatalog(IEnumerable<FunctionRegistration> registrations, IFunctionCodeSource? code = null)
{
    private readonly Dictionary<string, FunctionRegistration> _byName =
        registrations.ToDictionary(r => r.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<FunctionRegistration> All =>
        code is null ? _byName.Values : _byName.Values.Concat(code.Created.Where(r => !_byName.ContainsKey(r.Name))).ToList();

    /// <summary>Whether the function is compiled into the server (CreateFunction cannot take its name).</summary>
    public bool IsBuiltIn(string name) => _byName.ContainsKey(name);

    public bool TryGet(string name, out FunctionRegistration registration)
    {
        if (_byName.TryGetValue(name, out registration!))
        {
            return true;
        }

        registration = code?.Created.FirstOrDefault(r => r.Name == name)!;
        return registration is not null;
    }
}
