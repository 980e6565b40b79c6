using System.IO.Compression;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Game.Tests.Runtime.Code;

/// <summary>
/// Deployment packages made in the test: C# compiled with Roslyn against the test host's own assemblies (so against
/// this Game.Functions), zipped as <c>dotnet publish</c> lays them out, at the zip's root.
/// </summary>
public static class TestPackages
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    /// <summary>A JSON function answering <c>{"greeting":"&lt;greeting&gt;, &lt;name&gt;"}</c>: two greetings, two codes.</summary>
    public static byte[] Greeter(string greeting) => Zip(("Greeter.dll", Compile("Greeter", $$"""
        using System.Text.Json;
        using System.Text.Json.Nodes;
        using System.Threading.Tasks;
        using Game.Functions.Runtime;

        namespace Greeter;

        public sealed class Function : IJsonFunction
        {
            public Task<JsonNode?> FunctionHandler(JsonElement input, ILambdaContext context) =>
                Task.FromResult<JsonNode?>(new JsonObject
                {
                    ["greeting"] = "{{greeting}}, " + (input.TryGetProperty("name", out var name) ? name.GetString() : "nobody"),
                });
        }
        """)));

    /// <summary>An assembly with a class, but none implementing a function contract.</summary>
    public static byte[] NoFunction() => Zip(("Helpers.dll", Compile("Helpers", """
        namespace Helpers;

        public sealed class Greeting
        {
            public string Text => "hello";
        }
        """)));

    /// <summary>A zip holding only a text file.</summary>
    public static byte[] NoAssembly() => Zip(("README.txt", "not code"u8.ToArray()));

    public static byte[] Compile(string assemblyName, string source)
    {
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join('\n', emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return image.ToArray();
    }

    public static byte[] Zip(params (string Name, byte[] Content)[] files)
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                using var entry = archive.CreateEntry(name).Open();
                entry.Write(content);
            }
        }

        return zip.ToArray();
    }
}
