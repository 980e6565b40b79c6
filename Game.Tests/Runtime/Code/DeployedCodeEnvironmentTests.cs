using System.Runtime.CompilerServices;
using System.Text.Json;
using Game.Functions.Runtime;
using Game.Functions.Runtime.Code;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Game.Tests.Runtime.Code;

/// <summary>
/// A function environment running deployed code: the next invocation after new code was deployed runs the new code in
/// a fresh environment (Init Duration in its REPORT), and the code it replaced is unloaded.
/// </summary>
public sealed class DeployedCodeEnvironmentTests : IDisposable
{
    private readonly FakeCodeSource _code = new();
    private readonly FunctionMetrics _metrics = new();
    private readonly ServiceProvider _services;

    public DeployedCodeEnvironmentTests()
    {
        _services = new ServiceCollection().AddSingleton<IFunctionCodeSource>(_code).BuildServiceProvider();
    }

    public void Dispose()
    {
        _services.Dispose();
        _metrics.Dispose();
    }

    [Fact]
    public void Catalog_CreatedFunction_IsKnownByItsContract()
    {
        _code.Deploy(TestPackages.Greeter("Hello"));

        Assert.True(Catalog().TryGet(FakeCodeSource.Name, out var registration));
        Assert.Equal(typeof(IJsonFunction), registration.Implementation);
        Assert.Equal([FakeCodeSource.Name], Catalog().All.Select(r => r.Name));
        Assert.False(Catalog().IsBuiltIn(FakeCodeSource.Name));
    }

    [Fact]
    public async Task RunAsync_CodeReplaced_NextInvocationRunsTheNewCodeColdAndTheOldContextUnloads()
    {
        _code.Deploy(TestPackages.Greeter("Hello"));
        using var environment = await StartAsync();
        var cold = await GreetAsync(environment);
        var warm = await GreetAsync(environment);
        var replaced = ContextOf(environment);

        _code.Deploy(TestPackages.Greeter("Bonjour"));
        var renewed = await GreetAsync(environment);

        Assert.Equal(("Hello, Ada", true), (cold.Greeting, cold.InitDuration));
        Assert.Equal(("Hello, Ada", false), (warm.Greeting, warm.InitDuration));
        Assert.Equal(("Bonjour, Ada", true), (renewed.Greeting, renewed.InitDuration));
        Assert.True(FunctionPackageTests.Collected(replaced), "the replaced code's load context was not unloaded");
    }

    [Fact]
    public async Task Dispose_UnloadsTheDeployedCode()
    {
        _code.Deploy(TestPackages.Greeter("Hello"));
        var context = await RunOnceAndDisposeAsync();

        Assert.True(FunctionPackageTests.Collected(context), "the environment's code was not unloaded with it");
    }

    /// <summary>
    /// The code's context, read in a frame of its own: the invocations complete synchronously, so the test's frame
    /// never yields, and a temporary of it could keep the code alive.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference ContextOf(FunctionEnvironment environment) => environment.Code!.Context;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task<WeakReference> RunOnceAndDisposeAsync()
    {
        using var environment = await StartAsync();
        Assert.Equal("Hello, Ada", (await GreetAsync(environment)).Greeting);
        return environment.Code!.Context;
    }

    private FunctionCatalog Catalog() => new([], _code);

    private async Task<FunctionEnvironment> StartAsync()
    {
        var environment = new FunctionEnvironment(FakeCodeSource.Name, _services, Catalog(), _metrics, TimeProvider.System, NullLogger.Instance);
        await environment.InitializeAsync(CancellationToken.None);
        return environment;
    }

    private static async Task<(string Greeting, bool InitDuration)> GreetAsync(FunctionEnvironment environment)
    {
        var invocation = await environment.RunAsync(async context =>
        {
            using var input = JsonDocument.Parse("""{"name":"Ada"}""");
            return await ((IJsonFunction)environment.Function).FunctionHandler(input.RootElement, context);
        });
        Assert.False(invocation.Failed, invocation.ErrorMessage);
        var report = invocation.Log.Split('\n').Single(l => l.StartsWith("REPORT ", StringComparison.Ordinal));
        return (invocation.Response!["greeting"]!.GetValue<string>(), report.Contains("\tInit Duration: ", StringComparison.Ordinal));
    }

    /// <summary>One created function, "greeter", whose code the test replaces.</summary>
    private sealed class FakeCodeSource : IFunctionCodeSource
    {
        public const string Name = "greeter";

        private readonly Dictionary<string, byte[]> _zips = [];
        private DeployedCode? _current;

        public IReadOnlyCollection<FunctionRegistration> Created =>
            _current is null ? [] : [new FunctionRegistration(Name, typeof(IJsonFunction), TimeSpan.FromSeconds(3))];

        public void Deploy(byte[] zip)
        {
            var sha = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(zip));
            _zips[sha] = zip;
            _current = new DeployedCode(sha, "Greeter::Greeter.Function::FunctionHandler");
        }

        public DeployedCode? Current(string functionName) => functionName == Name ? _current : null;

        public Task<byte[]> ReadAsync(DeployedCode code, CancellationToken cancellationToken) => Task.FromResult(_zips[code.CodeSha256]);
    }
}
