using System.Runtime.Loader;

namespace Game.Functions.Runtime.Code;

/// <summary>
/// A function class loaded from a deployment package, with the collectible context that holds it. Disposing unloads
/// the context; the runtime (and the GC) collect it once nothing refers to its types any more: the instance dropped
/// and its last invocation finished.
/// </summary>
public sealed class LoadedFunction : IDisposable
{
    private AssemblyLoadContext? _context;

    internal LoadedFunction(AssemblyLoadContext context, Type implementation, Type contract, string handler)
    {
        _context = context;
        Context = new WeakReference(context);
        Implementation = implementation;
        Contract = contract;
        Handler = handler;
    }

    /// <summary>The class the handler names (or the one class found), to be constructed through DI as its init.</summary>
    public Type Implementation { get; }

    /// <summary>The contract it implements: <see cref="IJsonFunction"/>, <see cref="IKinesisFunction"/> or <see cref="ITumblingWindowFunction"/>.</summary>
    public Type Contract { get; }

    /// <summary>The handler in Lambda's .NET form, as resolved: <c>Assembly::Namespace.Class::FunctionHandler</c>.</summary>
    public string Handler { get; }

    /// <summary>The load context, weakly: alive until it unloaded and was collected (tests watch it go).</summary>
    public WeakReference Context { get; }

    public void Dispose()
    {
        // Unload starts the unloading; the context goes once its types are unreachable.
        Interlocked.Exchange(ref _context, null)?.Unload();
    }
}
