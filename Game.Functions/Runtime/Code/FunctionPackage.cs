using System.IO.Compression;
using System.Reflection;

namespace Game.Functions.Runtime.Code;

/// <summary>
/// Opens a deployment package, Lambda's .NET zip: the function's assembly and its dependencies at the zip's root, as
/// <c>dotnet publish</c> writes them. The handler is Lambda's .NET form <c>Assembly::Namespace.Class::FunctionHandler</c>
/// (the method may be left out, <c>Assembly::Namespace.Class</c>; it can only be the contract's <c>FunctionHandler</c>).
/// Without a handler the package must hold exactly one class implementing the contract asked for, and that is the one.
/// </summary>
public static class FunctionPackage
{
    /// <summary>Lambda's limit on a zip uploaded directly: 50 MB.</summary>
    public const long MaxZipBytes = 50L * 1024 * 1024;

    /// <summary>Lambda's limit on the unzipped package: 250 MB.</summary>
    public const long MaxUnzippedBytes = 262_144_000;

    /// <summary>The contracts a deployed class may implement, in the order they are looked for.</summary>
    public static readonly IReadOnlyList<Type> Contracts = [typeof(IJsonFunction), typeof(IKinesisFunction), typeof(ITumblingWindowFunction)];

    /// <summary>
    /// Loads the handler's class into a new collectible context. <paramref name="contract"/>, when given, is the
    /// contract the class must implement (a stream-fed function's code must stay stream-fed).
    /// </summary>
    /// <exception cref="FunctionPackageException">The package cannot run; the message says why.</exception>
    public static LoadedFunction Load(ReadOnlyMemory<byte> zip, string? handler, Type? contract, string contextName)
    {
        var assemblies = Open(zip);
        var context = new FunctionLoadContext(contextName, assemblies);
        try
        {
            var (implementation, found) = handler is null ? Discover(context, assemblies, contract) : Resolve(context, assemblies, handler, contract);
            return new LoadedFunction(context, implementation, found, $"{implementation.Assembly.GetName().Name}::{implementation.FullName}::FunctionHandler");
        }
        catch
        {
            context.Unload();
            throw;
        }
    }

    /// <summary>Reads the zip's root assemblies (and their symbols); refuses what is not a zip, too big, or holds none.</summary>
    private static Dictionary<string, (byte[] Assembly, byte[]? Symbols)> Open(ReadOnlyMemory<byte> zip)
    {
        if (zip.Length > MaxZipBytes)
        {
            throw new FunctionPackageException($"Zipped size must be smaller than {MaxZipBytes} bytes");
        }

        var files = new Dictionary<string, byte[]>(StringComparer.OrdinalIgnoreCase);
        try
        {
            using var archive = new ZipArchive(new MemoryStream(zip.ToArray(), writable: false), ZipArchiveMode.Read);
            if (archive.Entries.Sum(e => e.Length) > MaxUnzippedBytes)
            {
                throw new FunctionPackageException($"Unzipped size must be smaller than {MaxUnzippedBytes} bytes");
            }

            foreach (var entry in archive.Entries.Where(e => !e.FullName.Contains('/') && (e.Name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || e.Name.EndsWith(".pdb", StringComparison.OrdinalIgnoreCase))))
            {
                using var stream = entry.Open();
                using var copy = new MemoryStream((int)entry.Length);
                stream.CopyTo(copy);
                files[entry.Name] = copy.ToArray();
            }
        }
        catch (InvalidDataException)
        {
            // Lambda's words for a file that is not a zip.
            throw new FunctionPackageException("Could not unzip uploaded file. Please check your file, then try to upload again.");
        }

        var assemblies = files
            .Where(f => f.Key.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(
                f => Path.GetFileNameWithoutExtension(f.Key),
                f => (f.Value, files.GetValueOrDefault(Path.ChangeExtension(f.Key, ".pdb"))),
                StringComparer.OrdinalIgnoreCase);
        if (assemblies.Keys.All(FunctionLoadContext.IsHostAssembly))
        {
            throw new FunctionPackageException("The zip holds no .NET assembly of its own at its root: zip the output of `dotnet publish` (docs/functions.md).");
        }

        return assemblies;
    }

    private static (Type Implementation, Type Contract) Resolve(FunctionLoadContext context, Dictionary<string, (byte[], byte[]?)> assemblies, string handler, Type? contract)
    {
        var parts = handler.Split("::");
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0) || (parts.Length == 3 && parts[2] != "FunctionHandler"))
        {
            throw new FunctionPackageException($"The handler '{handler}' is not Assembly::Namespace.Class::FunctionHandler (the method is the contract's FunctionHandler).");
        }

        if (!assemblies.ContainsKey(parts[0]))
        {
            throw new FunctionPackageException($"The handler's assembly '{parts[0]}.dll' is not at the zip's root.");
        }

        var type = LoadTypes(context, parts[0]).FirstOrDefault(t => t is { IsClass: true, IsAbstract: false } && t.FullName == parts[1])
            ?? throw new FunctionPackageException($"The handler's class '{parts[1]}' is not in {parts[0]}.dll.");
        return (type, ContractOf(type, contract) ?? throw new FunctionPackageException(
            $"The handler's class '{parts[1]}' {Missing(contract)}."));
    }

    private static (Type Implementation, Type Contract) Discover(FunctionLoadContext context, Dictionary<string, (byte[], byte[]?)> assemblies, Type? contract)
    {
        var candidates = assemblies.Keys
            .Where(name => !FunctionLoadContext.IsHostAssembly(name))
            .SelectMany(name => LoadTypes(context, name))
            .Where(t => t is { IsClass: true, IsAbstract: false } && ContractOf(t, contract) is not null)
            .ToList();
        return candidates switch
        {
            [var only] => (only, ContractOf(only, contract)!),
            [] => throw new FunctionPackageException($"No class in the zip implements {Wanted(contract)}."),
            _ => throw new FunctionPackageException(
                $"Several classes implement {Wanted(contract)}: {string.Join(", ", candidates.Select(c => c.FullName))}; name one with the handler (Assembly::Namespace.Class::FunctionHandler)."),
        };
    }

    private static Type[] LoadTypes(FunctionLoadContext context, string assemblyName)
    {
        try
        {
            return context.LoadFromZip(assemblyName).GetTypes();
        }
        catch (BadImageFormatException)
        {
            throw new FunctionPackageException($"{assemblyName}.dll is not a .NET assembly.");
        }
        catch (ReflectionTypeLoadException ex)
        {
            throw new FunctionPackageException($"{assemblyName}.dll cannot be loaded: {ex.LoaderExceptions.FirstOrDefault(e => e is not null)?.Message ?? ex.Message}");
        }
        catch (FileLoadException ex)
        {
            throw new FunctionPackageException($"{assemblyName}.dll cannot be loaded: {ex.Message}");
        }
    }

    private static Type? ContractOf(Type type, Type? contract) =>
        contract is not null ? (contract.IsAssignableFrom(type) ? contract : null) : Contracts.FirstOrDefault(c => c.IsAssignableFrom(type));

    private static string Wanted(Type? contract) =>
        contract is not null ? $"Game.Functions.Runtime.{contract.Name}" : "a function contract of Game.Functions.Runtime (" + string.Join(", ", Contracts.Select(c => c.Name)) + ")";

    private static string Missing(Type? contract) =>
        contract is not null ? $"does not implement Game.Functions.Runtime.{contract.Name}" : "implements no function contract of Game.Functions.Runtime (" + string.Join(", ", Contracts.Select(c => c.Name)) + ")";
}
