using System.Reflection;
using System.Runtime.Loader;

namespace Game.Functions.Runtime.Code;

/// <summary>
/// A collectible load context for one function's deployed assemblies. Whatever the host itself can load (the
/// framework, Game.Functions, Orleans, Microsoft.Extensions.*, …) is taken from the host, never from the zip, so the
/// contract types (<see cref="IJsonFunction"/>, <see cref="ILambdaContext"/>, the store ports) are the host's and a
/// deployed class can be handed to the runtime; only the assemblies the host does not have come from the zip.
/// </summary>
internal sealed class FunctionLoadContext(string name, IReadOnlyDictionary<string, (byte[] Assembly, byte[]? Symbols)> assemblies)
    : AssemblyLoadContext(name, isCollectible: true)
{
    private static readonly Lazy<HashSet<string>> HostAssemblies = new(() =>
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string trusted)
        {
            foreach (var path in trusted.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                names.Add(Path.GetFileNameWithoutExtension(path));
            }
        }

        return names;
    });

    /// <summary>True when the host loads this assembly itself: the function shares the host's copy.</summary>
    public static bool IsHostAssembly(string assemblyName) =>
        HostAssemblies.Value.Contains(assemblyName)
        || Default.Assemblies.Any(a => string.Equals(a.GetName().Name, assemblyName, StringComparison.OrdinalIgnoreCase));

    /// <summary>Loads one of the zip's assemblies into this context (the handler's own, even if the host has one of that name).</summary>
    public Assembly LoadFromZip(string assemblyName)
    {
        var (assembly, symbols) = assemblies[assemblyName];
        using var image = new MemoryStream(assembly, writable: false);
        using var pdb = symbols is null ? null : new MemoryStream(symbols, writable: false);
        return LoadFromStream(image, pdb);
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is not { } simpleName || IsHostAssembly(simpleName))
        {
            // Null defers to the default context: the host's copy, so types match across the boundary.
            return null;
        }

        return assemblies.ContainsKey(simpleName) ? LoadFromZip(simpleName) : null;
    }
}
