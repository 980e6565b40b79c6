using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Game.Functions.Runtime;
using Game.Functions.Runtime.Code;

namespace Game.Tests.Runtime.Code;

public sealed class FunctionPackageTests
{
    [Fact]
    public void Load_NoHandler_FindsTheOneClassAndItsContract()
    {
        using var loaded = FunctionPackage.Load(TestPackages.Greeter("Hello"), handler: null, contract: null, "greeter");

        Assert.Equal("Greeter::Greeter.Function::FunctionHandler", loaded.Handler);
        Assert.Equal(typeof(IJsonFunction), loaded.Contract);
        Assert.Equal("Greeter.Function", loaded.Implementation.FullName);
        Assert.True(loaded.Implementation.Assembly.IsCollectible);
    }

    [Theory]
    [InlineData("Greeter::Greeter.Function::FunctionHandler")]
    [InlineData("Greeter::Greeter.Function")]
    public void Load_LambdasHandlerForms_NameTheClass(string handler)
    {
        using var loaded = FunctionPackage.Load(TestPackages.Greeter("Hello"), handler, contract: null, "greeter");

        Assert.Equal("Greeter.Function", loaded.Implementation.FullName);
    }

    [Fact]
    public async Task Load_ZipCarryingTheHostsOwnAssemblies_UsesTheHostsSoTheContractIsTheHosts()
    {
        // dotnet publish puts Game.Functions.dll into the zip: the host's copy must win, or IJsonFunction would be another type.
        var greeter = TestPackages.Compile("Greeter", "namespace Greeter; public sealed class Function : Game.Functions.Runtime.IJsonFunction { public System.Threading.Tasks.Task<System.Text.Json.Nodes.JsonNode?> FunctionHandler(System.Text.Json.JsonElement input, Game.Functions.Runtime.ILambdaContext context) => System.Threading.Tasks.Task.FromResult<System.Text.Json.Nodes.JsonNode?>(\"from the zip\"); }");
        var zip = TestPackages.Zip(("Greeter.dll", greeter), ("Game.Functions.dll", File.ReadAllBytes(typeof(IJsonFunction).Assembly.Location)));

        using var loaded = FunctionPackage.Load(zip, handler: null, contract: null, "greeter");
        var function = (IJsonFunction)Activator.CreateInstance(loaded.Implementation)!;

        Assert.Equal("from the zip", (await function.FunctionHandler(default, null!))!.GetValue<string>());
    }

    [Theory]
    [InlineData("not a zip", "Could not unzip uploaded file. Please check your file, then try to upload again.")]
    [InlineData("no assembly", "The zip holds no .NET assembly of its own at its root: zip the output of `dotnet publish` (docs/functions.md).")]
    [InlineData("no function", "No class in the zip implements a function contract of Game.Functions.Runtime (IJsonFunction, IKinesisFunction, ITumblingWindowFunction).")]
    public void Load_PackageThatCannotRun_IsRefusedSayingWhy(string package, string message)
    {
        var zip = package switch
        {
            "not a zip" => "PK but not really"u8.ToArray(),
            "no assembly" => TestPackages.NoAssembly(),
            _ => TestPackages.NoFunction(),
        };

        var refused = Assert.Throws<FunctionPackageException>(() => FunctionPackage.Load(zip, handler: null, contract: null, "bad"));

        Assert.Equal(message, refused.Message);
    }

    [Theory]
    [InlineData("Greeter::Greeter.Missing::FunctionHandler", "The handler's class 'Greeter.Missing' is not in Greeter.dll.")]
    [InlineData("Other::Greeter.Function::FunctionHandler", "The handler's assembly 'Other.dll' is not at the zip's root.")]
    [InlineData("Greeter::Greeter.Function::Run", "The handler 'Greeter::Greeter.Function::Run' is not Assembly::Namespace.Class::FunctionHandler (the method is the contract's FunctionHandler).")]
    public void Load_HandlerThatNamesNothing_IsRefused(string handler, string message)
    {
        var refused = Assert.Throws<FunctionPackageException>(() => FunctionPackage.Load(TestPackages.Greeter("Hello"), handler, contract: null, "greeter"));

        Assert.Equal(message, refused.Message);
    }

    [Fact]
    public void Load_JsonFunctionWhereAStreamFedOneIsWanted_IsRefused()
    {
        var refused = Assert.Throws<FunctionPackageException>(() =>
            FunctionPackage.Load(TestPackages.Greeter("Hello"), handler: null, contract: typeof(IKinesisFunction), "score"));

        Assert.Equal("No class in the zip implements Game.Functions.Runtime.IKinesisFunction.", refused.Message);
    }

    [Fact]
    public async Task Dispose_ThenNothingRefersToTheCode_TheContextIsCollected()
    {
        var (context, answer) = LoadRunAndDispose();

        Assert.Equal("Hello, Ada", (await answer)!["greeting"]!.GetValue<string>());
        Assert.True(Collected(context), "the load context is still alive after Dispose and nothing refers to its types");
    }

    /// <summary>Collects until the context is gone; unloading takes a few collections (finalizers of its types' statics).</summary>
    internal static bool Collected(WeakReference context)
    {
        for (var i = 0; i < 20 && context.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return !context.IsAlive;
    }

    /// <summary>Apart, and not inlined, so that no local of the test keeps the loaded types alive.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference Context, Task<JsonNode?> Answer) LoadRunAndDispose()
    {
        var loaded = FunctionPackage.Load(TestPackages.Greeter("Hello"), handler: null, contract: null, "greeter");
        var function = (IJsonFunction)Activator.CreateInstance(loaded.Implementation)!;
        using var input = JsonDocument.Parse("""{"name":"Ada"}""");
        var answer = function.FunctionHandler(input.RootElement, null!);
        loaded.Dispose();
        return (loaded.Context, answer);
    }
}
